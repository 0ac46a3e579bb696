"""Receives Xvantage webhooks and fires ``ingram_micro.xvantage_order_event`` (order status,
v7 create results) and ``ingram_micro.xvantage_stock_update`` (stock updates, per part).

A passive sensor: ``run()`` serves an ``ingram_lib.sensing.webhook_receiver.WebhookReceiver``
on the configured local host/port/path until ``cleanup()``; that module holds the delivery
rules (signature, replay window, de-duplication across restarts, answers). The receiver is
off unless ``xvantage_webhook.enabled`` is set and a webhook secret is configured.
Webhooks are a low-latency hint: ``xvantage_order_sensor`` keeps polling and catches
whatever a webhook missed.
"""

import threading

from st2reactor.sensor.base import Sensor

import _ingram_path  # noqa: F401
from ingram_lib.sensing.webhook_receiver import WebhookReceiver, webhook_settings

BIND_RETRY_SECONDS = 5


class XvantageWebhookSensor(Sensor):
    def __init__(self, sensor_service, config=None):
        super(XvantageWebhookSensor, self).__init__(sensor_service=sensor_service,
                                                    config=config)
        self.log = self.sensor_service.get_logger(__name__)
        self.receiver = None
        self._stopped = threading.Event()
        self._run_thread = None

    def setup(self):
        self.receiver = WebhookReceiver(webhook_settings(self.config), self.sensor_service,
                                        self.log)

    def run(self):
        self._run_thread = threading.current_thread()
        self._stopped.clear()
        try:
            if not self.receiver.enabled:
                self.log.info("Xvantage webhook receiver is off (set xvantage_webhook.enabled "
                              "and xvantage_webhook.secret, or xvantage.webhook_secret or "
                              "accounts.<name>.xvantage.webhook_secret, in the pack config)")
                self.receiver.wait()
                return
            settings = self.receiver.settings
            while not self.receiver.stopping:
                try:
                    host, port = self.receiver.bind()
                except OSError as exc:
                    # A taken port must not crash-loop the sensor into being abandoned.
                    self.log.error("cannot listen on %s:%s (%s); retrying in %ds",
                                   settings["host"], settings["port"], exc,
                                   BIND_RETRY_SECONDS)
                    self.receiver.wait(BIND_RETRY_SECONDS)
                    continue
                self.log.info("Xvantage webhook receiver listening on http://%s:%d%s",
                              host, port, settings["path"])
                self.receiver.serve_forever()
        finally:
            self._stopped.set()

    def cleanup(self):
        if self.receiver is not None:
            self.receiver.stop()
        if self._run_thread is not None and self._run_thread is not threading.current_thread():
            self._stopped.wait(5)

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
