from ingram_lib.action import IngramAction


class ListServicePlans(IngramAction):
    def run(self, account="default", offset=0, limit=10, all_pages=False, max_items=1000):
        return self.list_page(account, "/plans", {}, offset, limit, all_pages, max_items)
