from ingram_lib import xvantage_requests as req
from ingram_lib.action import IngramAction


class XvantageCreateOrder(IngramAction):
    WRITE_LOOKUP = ("customerOrderNumber",)

    def run(self, customerOrderNumber, lines, account="default", customer_hold=False,
            endCustomerOrderNumber=None, billToAddressId=None, specialBidNumber=None,
            notes=None, acceptBackOrder=None, resellerInfo=None, shipToInfo=None,
            endUserInfo=None, shipmentDetails=None, additionalAttributes=None):
        body = req.create_body(
            "v6", customerOrderNumber, lines, customer_hold=customer_hold,
            endCustomerOrderNumber=endCustomerOrderNumber, billToAddressId=billToAddressId,
            specialBidNumber=specialBidNumber, notes=notes, acceptBackOrder=acceptBackOrder,
            resellerInfo=resellerInfo, shipToInfo=shipToInfo, endUserInfo=endUserInfo,
            shipmentDetails=shipmentDetails, additionalAttributes=additionalAttributes)
        return self.xvantage(account).create_order(body)
