from ingram_lib.action import IngramAction


class GetReseller(IngramAction):
    def run(self, resellerId, account="default"):
        client = self.marketplace(account)
        path = "/resellers/{resellerId}"
        return self.call(lambda: client.get(client.path(path, resellerId=resellerId)))
