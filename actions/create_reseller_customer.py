from ingram_lib.core import checks
from ingram_lib.action import IngramAction


class CreateResellerCustomer(IngramAction):
    WRITE_LOOKUP = ("resellerId", "name", "externalId")

    def run(self, resellerId, name, address, contactPersons, account="default",
            language="en_US", externalId=None, taxRegId=None, attributes=None):
        checks.required("name", name)
        body = checks.compact({
            "name": name, "language": language, "address": address,
            "contactPersons": contactPersons, "externalId": externalId, "taxRegId": taxRegId,
            "attributes": attributes})
        client = self.marketplace(account)
        path = client.path("/resellers/{resellerId}/customers", resellerId=resellerId)
        return client.expect("object", client.post(path, body), path, "POST", ("id",),
                             what="customer")
