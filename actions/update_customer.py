from ingram_lib import checks
from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError


class UpdateCustomer(IngramAction):
    def run(self, customerId, account="default", name=None, externalId=None, taxRegId=None,
            status=None, address=None, contactPersons=None):
        body = checks.compact({"name": name, "externalId": externalId, "taxRegId": taxRegId,
                               "status": status, "address": address,
                               "contactPersons": contactPersons})
        if not body:
            return False, ParameterError("name", "give at least one field to change").to_dict()
        client = self.marketplace(account)
        path = "/customers/{customerId}"
        return self.call(lambda: client.patch(client.path(path, customerId=customerId), body))
