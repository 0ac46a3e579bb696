"""All Marketplace entities of one emulator instance."""

from .common import Collection


class MarketplaceState(object):
    # The reseller the API user belongs to; POST /customers creates customers under it.
    OWN_RESELLER_ID = "1000000"

    def __init__(self, clock):
        self.clock = clock
        self.customers = Collection(first_id=1000000)
        self.resellers = Collection(first_id=1000000)
        self.products = Collection(first_id=1000000)
        self.plans = Collection(first_id=100)
        self.orders = Collection(first_id=1000000)
        self.subscriptions = Collection(first_id=1000000)
        self.reports = Collection()
