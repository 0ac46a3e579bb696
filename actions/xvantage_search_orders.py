from ingram_lib.xvantage import orders as req
from ingram_lib.action import IngramAction


class XvantageSearchOrders(IngramAction):
    def run(self, account="default", ingramOrderNumber=None, customerOrderNumber=None,
            endCustomerOrderNumber=None, orderStatus=None, orderStatusIn=None,
            ingramOrderDate=None, ingramOrderDateBt=None, shipDateBt=None,
            invoiceDateBt=None, deliveryDateBt=None, ingramPartNumber=None,
            vendorPartNumber=None, serialNumber=None, trackingNumber=None, vendorName=None,
            specialBidNumber=None, pageNumber=1, pageSize=25, all_pages=False,
            max_items=1000):
        filters = req.search_filters(
            ingramOrderNumber=ingramOrderNumber, customerOrderNumber=customerOrderNumber,
            endCustomerOrderNumber=endCustomerOrderNumber, orderStatus=orderStatus,
            orderStatusIn=orderStatusIn, ingramOrderDate=ingramOrderDate,
            ingramOrderDateBt=ingramOrderDateBt, shipDateBt=shipDateBt,
            invoiceDateBt=invoiceDateBt, deliveryDateBt=deliveryDateBt,
            ingramPartNumber=ingramPartNumber, vendorPartNumber=vendorPartNumber,
            serialNumber=serialNumber, trackingNumber=trackingNumber,
            vendorName=vendorName, specialBidNumber=specialBidNumber)
        client = self.xvantage(account)
        if all_pages:
            return client.search_all(filters, max_items=max_items)
        return client.search_page(filters, pageNumber, pageSize)
