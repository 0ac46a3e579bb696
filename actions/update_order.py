from ingram_lib import checks
from ingram_lib.action import IngramAction
from ingram_lib.errors import ApiError, ParameterError, TransportError

# Answers after which the PATCH may still have been applied.
LOST_ANSWER_STATUSES = (502, 504)


class UpdateOrder(IngramAction):
    def run(self, orderId, account="default", creditCheck=None, statusCode=None):
        body = checks.compact({"creditCheck": creditCheck, "statusCode": statusCode})
        if not body:
            return False, ParameterError("statusCode", "give creditCheck or statusCode").to_dict()
        client = self.marketplace(account)
        path = client.path("/orders/{id}", id=orderId)

        def work():
            # Sent once: statusCode CL cancels, and a repeat would hit the cancelled order.
            try:
                return client.patch(path, body, idempotent=False)
            except ApiError as exc:
                if isinstance(exc, TransportError):
                    if not exc.request_sent:
                        raise
                elif exc.status not in LOST_ANSWER_STATUSES:
                    raise
                # The answer was lost; the order itself tells whether the change was made.
                order = client.get(path)
                if isinstance(order, dict) and all(order.get(key) == value
                                                   for key, value in body.items()):
                    return dict(order, reconciled=True)
                raise
        return self.call(work)
