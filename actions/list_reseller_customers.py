from ingram_lib import paths
from ingram_lib.action import IngramAction


class ListResellerCustomers(IngramAction):
    def run(self, resellerId, account="default", name=None, email=None, externalId=None,
            offset=0, limit=10, all_pages=False, max_items=1000):
        path = paths.build("/resellers/{resellerId}/customers", resellerId=resellerId)
        filters = {"name": name, "email": email, "externalId": externalId}
        return self.list_page(account, path, filters, offset, limit, all_pages, max_items)
