from ingram_lib.action import IngramAction
from ingram_lib.xvantage import returns


class XvantageCreateReturn(IngramAction):
    WRITE_LOOKUP = ("referenceNumber",)

    def run(self, invoiceNumber, invoiceDate, quantity, primaryReason, secondaryReason,
            referenceNumber, shipFromInfo, account="default", ingramPartNumber=None,
            vendorPartNumber=None, numberOfBoxes=1, serialNumber=None,
            customerOrderNumber=None, billToAddressId=None, notes=None):
        body = returns.create_body(
            invoiceNumber, invoiceDate, quantity, primaryReason, secondaryReason,
            referenceNumber, shipFromInfo, ingramPartNumber=ingramPartNumber,
            vendorPartNumber=vendorPartNumber, numberOfBoxes=numberOfBoxes,
            serialNumber=serialNumber, customerOrderNumber=customerOrderNumber,
            billToAddressId=billToAddressId, notes=notes)
        return returns.create(self.xvantage(account), body)
