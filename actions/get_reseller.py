from ingram_lib.action import IngramAction


class GetReseller(IngramAction):
    def run(self, resellerId, account="default"):
        return self.get_object(account, "/resellers/{resellerId}", "reseller",
                               resellerId=resellerId)
