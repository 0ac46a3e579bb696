from ingram_lib.action import IngramAction


class ListCustomers(IngramAction):
    def run(self, account="default", name=None, email=None, externalId=None, resellerId=None,
            offset=0, limit=10, all_pages=False, max_items=1000):
        filters = {"name": name, "email": email, "externalId": externalId,
                   "resellerId": resellerId}
        return self.list_page(account, "/customers", filters, offset, limit, all_pages,
                              max_items)
