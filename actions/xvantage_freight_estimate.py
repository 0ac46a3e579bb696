from ingram_lib.action import IngramAction
from ingram_lib.xvantage import products as pa


class XvantageFreightEstimate(IngramAction):
    def run(self, lines, customerContact, account="default", shipToAddressId=None,
            shipToAddress=None, billToAddressId=None):
        contact = pa.contact("customerContact", customerContact)
        body = pa.freight_body(lines, shipToAddressId=shipToAddressId,
                               shipToAddress=shipToAddress, billToAddressId=billToAddressId)
        return pa.freight_estimate(self.xvantage(account), body, contact)
