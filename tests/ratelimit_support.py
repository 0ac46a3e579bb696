"""Sensors polling the emulator with the Marketplace gateway's rate limit switched on.

The soaks freeze the emulator clock and move it by whole rounds, so that every order and
subscription changes at a known moment, yet a sensor polls several times per round. The
gateway therefore gets a clock of its own: it moves by the sensor's poll interval before
each poll, as in a real deployment, and by every wait of the client (Retry-After honoured
in full), while the business clock stays where the soak put it.
"""

from emulator.clock import Clock
from ingram_lib.core.http import RetryPolicy

from sensor_support import make_sensor


class LimitedGateway(object):
    def __init__(self, emulator, limit=60, window=60.0):
        self.emulator = emulator
        self.window = float(window)
        self.clock = Clock(start=emulator.clock.now(), frozen=True)
        self.limiter = emulator.marketplace.rate_limit
        self.limiter.clock = self.clock
        self.limiter.configure(enabled=True, limit=limit, window=window)
        self.polls = 0

    @property
    def refused(self):
        return self.limiter.refused

    def wait(self, seconds):
        self.clock.advance(seconds)

    def start(self, name, config, datastore):
        """``make_sensor`` whose polls and retry waits run on the gateway's clock."""
        sensor, service = make_sensor(name, config, datastore, self.emulator)
        interval = float(sensor.get_poll_interval())
        poll = sensor.poll

        def paced_poll():
            self.clock.advance(interval)
            self.polls += 1
            poll()
        sensor.poll = paced_poll
        for account in sensor.accounts(sensor.settings()):
            transport = sensor.client(account).transport
            fast = transport.retry
            # Backoff stays as short as make_sensor made it; Retry-After is waited in full.
            transport.retry = RetryPolicy(max_retries=fast.max_retries, base=fast.base,
                                          cap=fast.cap, max_wait=self.window,
                                          sleep=self.wait)
        return sensor, service
