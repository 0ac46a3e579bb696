from ingram_lib.xvantage import order_check
from ingram_lib.xvantage import orders as req
from ingram_lib.action import IngramAction


class XvantageCreateOrder(IngramAction):
    WRITE_LOOKUP = ("customerOrderNumber",)

    def run(self, customerOrderNumber, lines, account="default", customer_hold=False,
            endCustomerOrderNumber=None, billToAddressId=None, specialBidNumber=None,
            notes=None, acceptBackOrder=None, resellerInfo=None, shipToInfo=None,
            endUserInfo=None, shipmentDetails=None, additionalAttributes=None,
            dry_run=False, check=False, max_unit_price=None, max_total=None):
        body = req.create_body(
            "v6", customerOrderNumber, lines, customer_hold=customer_hold,
            endCustomerOrderNumber=endCustomerOrderNumber, billToAddressId=billToAddressId,
            specialBidNumber=specialBidNumber, notes=notes, acceptBackOrder=acceptBackOrder,
            resellerInfo=resellerInfo, shipToInfo=shipToInfo, endUserInfo=endUserInfo,
            shipmentDetails=shipmentDetails, additionalAttributes=additionalAttributes)
        client = self.xvantage(account)
        return order_check.place(client, body, client.create_order, dry_run=dry_run,
                                 check=check, max_unit_price=max_unit_price,
                                 max_total=max_total)
