from ingram_lib.core import checks
from ingram_lib.action import IngramAction


class CreateReseller(IngramAction):
    WRITE_LOOKUP = ("name", "externalId")

    def run(self, name, currency, address, contactPersons, account="default",
            language="en_US", externalId=None, taxRegId=None, taxationProviderName=None,
            customerClass=None, attributes=None):
        checks.required("name", name)
        body = checks.compact({
            "name": name, "currency": currency, "language": language, "address": address,
            "contactPersons": contactPersons, "externalId": externalId, "taxRegId": taxRegId,
            "taxationProviderName": taxationProviderName, "customerClass": customerClass,
            "attributes": attributes})
        client = self.marketplace(account)
        return client.expect("object", client.post("/resellers", body), "/resellers", "POST",
                             ("id",), what="reseller")
