from ingram_lib import checks
from ingram_lib.action import IngramAction


class CreateReseller(IngramAction):
    def run(self, name, currency, address, contactPersons, account="default",
            language="en_US", externalId=None, taxRegId=None, taxationProviderName=None,
            customerClass=None, attributes=None):
        body = checks.compact({
            "name": name, "currency": currency, "language": language, "address": address,
            "contactPersons": contactPersons, "externalId": externalId, "taxRegId": taxRegId,
            "taxationProviderName": taxationProviderName, "customerClass": customerClass,
            "attributes": attributes})
        client = self.marketplace(account)
        return self.call(lambda: client.post("/resellers", body))
