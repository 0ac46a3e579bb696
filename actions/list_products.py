from ingram_lib.action import IngramAction


class ListProducts(IngramAction):
    def run(self, account="default", name=None, serviceName=None, mpn=None, vendor=None,
            offset=0, limit=10, all_pages=False, max_items=1000):
        filters = {"name": name, "serviceName": serviceName, "mpn": mpn, "vendor": vendor}
        return self.list_page(account, "/products", filters, offset, limit, all_pages,
                              max_items)
