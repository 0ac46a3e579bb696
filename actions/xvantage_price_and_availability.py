from ingram_lib.action import IngramAction
from ingram_lib.xvantage import products as pa


class XvantagePriceAndAvailability(IngramAction):
    def run(self, products, account="default", includeAvailability=True, includePricing=True,
            includeProductAttributes=False, showAvailableDiscounts=False, warehouses=None):
        refs = pa.product_refs("products", products)
        warehouses = pa.warehouse_ids("warehouses", warehouses)
        return pa.price_and_availability(
            self.xvantage(account), refs, include_availability=includeAvailability,
            include_pricing=includePricing, include_product_attributes=includeProductAttributes,
            show_discounts=showAvailableDiscounts, warehouses=warehouses)
