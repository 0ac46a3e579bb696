from ingram_lib.action import IngramAction


class UpdateCustomer(IngramAction):
    WRITE_LOOKUP = ("customerId",)

    def run(self, customerId, account="default", name=None, externalId=None, taxRegId=None,
            status=None, address=None, contactPersons=None):
        return self.update_account(account, "/customers/{customerId}", {"customerId": customerId}, {
            "name": name, "externalId": externalId, "taxRegId": taxRegId, "status": status,
            "address": address, "contactPersons": contactPersons})
