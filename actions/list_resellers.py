from ingram_lib.action import IngramAction


class ListResellers(IngramAction):
    def run(self, account="default", name=None, email=None, externalId=None, offset=0,
            limit=10, all_pages=False, max_items=1000):
        filters = {"name": name, "email": email, "externalId": externalId}
        return self.list_page(account, "/resellers", filters, offset, limit, all_pages,
                              max_items)
