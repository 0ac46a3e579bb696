from ingram_lib.action import IngramAction
from ingram_lib.orders import OrderDesk


class WaitForOrder(IngramAction):
    def run(self, orderId, account="default", wait_seconds=540, poll_interval=5,
            max_interval=60, fail_on_error=True):
        ok, result = self.call(lambda: OrderDesk(self.marketplace(account), self.config)
                               .wait(orderId, wait_seconds, poll_interval, max_interval))
        if not ok:
            return ok, result
        if not result["finished"]:
            return False, dict(result, error="wait_timeout",
                               message="order %s is still '%s' after %s s"
                               % (orderId, result["status"], wait_seconds))
        if fail_on_error and result["status"] != "completed":
            return False, dict(result, error="order_" + result["status"],
                               message="order %s ended in status '%s'"
                               % (orderId, result["status"]))
        return True, result
