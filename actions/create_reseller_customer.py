from ingram_lib import checks
from ingram_lib.action import IngramAction


class CreateResellerCustomer(IngramAction):
    def run(self, resellerId, name, address, contactPersons, account="default",
            language="en_US", externalId=None, taxRegId=None, attributes=None):
        body = checks.compact({
            "name": name, "language": language, "address": address,
            "contactPersons": contactPersons, "externalId": externalId, "taxRegId": taxRegId,
            "attributes": attributes})
        client = self.marketplace(account)
        return self.call(lambda: client.post(
            client.path("/resellers/{resellerId}/customers", resellerId=resellerId), body))
