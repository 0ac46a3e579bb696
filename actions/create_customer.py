from ingram_lib.core import checks
from ingram_lib.action import IngramAction


class CreateCustomer(IngramAction):
    WRITE_LOOKUP = ("name", "externalId")

    def run(self, name, address, contactPersons, account="default", language="en_US",
            externalId=None, taxRegId=None, attributes=None):
        checks.required("name", name)
        body = checks.compact({
            "name": name, "language": language, "address": address,
            "contactPersons": contactPersons, "externalId": externalId, "taxRegId": taxRegId,
            "attributes": attributes})
        client = self.marketplace(account)
        return client.expect("object", client.post("/customers", body), "/customers", "POST",
                             ("id",), what="customer")
