"""The order routes of the API: list, place, estimate, read, update (PATCH)."""

from ...http import HttpError, Response
from ..common import body_of, envelope
from .book import OPEN, book
from .estimates import estimate
from .lifecycle import finish
from .placing import create
from .queries import detail_view, filters, query, row_view


def update(state, order, body):
    """What ``PATCH /orders/{id}`` does: ``creditCheck``, or ``statusCode: CL`` to cancel an
    open order (any other code is stored as given)."""
    if "creditCheck" in body:
        if not isinstance(body["creditCheck"], bool):
            raise HttpError(400, "creditCheck must be a boolean")
        order["creditCheck"] = body["creditCheck"]
    code = body.get("statusCode")
    if code is not None:
        if not isinstance(code, str) or not code:
            raise HttpError(400, "statusCode must be a non-empty string")
        if code == "CL":
            if order["status"] not in OPEN:
                raise HttpError(500, "Order #%s is in status '%s' and cannot be cancelled"
                                % (order["orderNumber"], order["status"]))
            finish(state, order, "cancelled", "CL")
        else:
            order["statusCode"] = code
    return order


def register(router, state):
    def list_orders(request):
        wanted = filters(request)
        with book(state).lock:  # the indexes change under concurrent requests
            rows = query(state, **wanted)
            return Response(200, envelope(rows, request, row_view))

    def list_reseller_orders(request):
        reseller_id = request.params["id"]
        if reseller_id != state.OWN_RESELLER_ID:
            state.resellers.require(reseller_id, "Reseller")
        customer_ids = {c["id"] for c in state.customers.values()
                        if c.get("resellerId") == reseller_id}
        wanted = filters(request, with_number=False)
        with book(state).lock:
            rows = query(state, customer_ids=customer_ids, **wanted)
            return Response(200, envelope(rows, request, row_view))

    def create_order(request):
        order = create(state, body_of(request), getattr(request, "marketplace", None) or "us")
        return Response(200, detail_view(order))

    def estimate_order(request):
        return Response(200, estimate(state, body_of(request),
                                      getattr(request, "marketplace", None) or "us"))

    def get_order(request):
        return Response(200, detail_view(state.orders.require(request.params["id"], "Order")))

    def update_order(request):
        order = state.orders.require(request.params["id"], "Order")
        with book(state).lock:
            return Response(200, detail_view(update(state, order, body_of(request))))

    router.add("GET", "/orders", list_orders)
    router.add("POST", "/orders", create_order)
    router.add("POST", "/orders/estimate", estimate_order)
    router.add("GET", "/orders/{id}", get_order)
    router.add("PATCH", "/orders/{id}", update_order)
    router.add("GET", "/resellers/{id}/orders", list_reseller_orders)
