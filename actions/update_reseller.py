from ingram_lib.action import IngramAction


class UpdateReseller(IngramAction):
    WRITE_LOOKUP = ("resellerId",)

    def run(self, resellerId, account="default", name=None, externalId=None, taxRegId=None,
            status=None, address=None, contactPersons=None):
        return self.update_account(account, "/resellers/{resellerId}", {"resellerId": resellerId}, {
            "name": name, "externalId": externalId, "taxRegId": taxRegId, "status": status,
            "address": address, "contactPersons": contactPersons})
