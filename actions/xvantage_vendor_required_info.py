from ingram_lib.action import IngramAction
from ingram_lib.xvantage import orders as req
from ingram_lib.xvantage import products as pa


class XvantageVendorRequiredInfo(IngramAction):
    def run(self, products=None, account="default", quoteNumber=None):
        if not products and not quoteNumber:
            pa.product_refs("products", products)  # names the missing parameter
        refs = pa.product_refs("products", products, plans=True) if products else []
        quote = req.max_length("quoteNumber", quoteNumber, 35)
        return pa.vendor_required_info(self.xvantage(account), refs, quote_number=quote)
