from ingram_lib.action import IngramAction
from ingram_lib.core.errors import ActionFailed
from ingram_lib.marketplace.orders import OrderDesk


class WaitForOrder(IngramAction):
    def run(self, orderId, account="default", wait_seconds=540, poll_interval=5,
            max_interval=60, fail_on_error=True):
        result = OrderDesk(self.marketplace(account), self.config).wait(
            orderId, wait_seconds, poll_interval, max_interval)
        if not result["finished"]:
            raise ActionFailed("wait_timeout", "order %s is still '%s' after %s s"
                               % (orderId, result["status"], wait_seconds), result)
        if fail_on_error and result["status"] != "completed":
            raise ActionFailed("order_" + result["status"], "order %s ended in status '%s'"
                               % (orderId, result["status"]), result)
        return result
