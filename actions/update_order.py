from ingram_lib.core import checks
from ingram_lib.action import IngramAction
from ingram_lib.core.errors import OutcomeUnknown, ParameterError, RequestError, \
    answer_may_be_lost


class UpdateOrder(IngramAction):
    WRITE_LOOKUP = ("orderId",)

    def run(self, orderId, account="default", creditCheck=None, statusCode=None):
        body = checks.compact({"creditCheck": creditCheck, "statusCode": statusCode})
        if not body:
            raise ParameterError("statusCode", "give creditCheck or statusCode")
        client = self.marketplace(account)
        path = client.path("/orders/{orderId}", orderId=orderId)
        # Sent once: statusCode CL cancels, and a repeat would hit the cancelled order.
        try:
            order = client.patch(path, body, idempotent=False)
            return client.expect("object", order, path, "PATCH", ("id",), what="order")
        except RequestError as exc:
            if not answer_may_be_lost(exc):
                raise
            cause = exc
        # The answer was lost; the order itself tells whether the change was made.
        try:
            order = client.get(path)
        except RequestError as exc:
            raise OutcomeUnknown(
                "order %s: PATCH failed (%s) and reading the order back failed too (%s); "
                "check it with get_order before trying again" % (orderId, cause, exc),
                lookup={"orderId": orderId}, cause=cause)
        if isinstance(order, dict) and all(order.get(key) == value
                                           for key, value in body.items()):
            return dict(order, reconciled=True)
        raise OutcomeUnknown(
            "order %s: PATCH failed (%s) and the order does not show the change yet; check "
            "it with get_order before trying again" % (orderId, cause),
            lookup={"orderId": orderId}, cause=cause)
