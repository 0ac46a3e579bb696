"""Base class of the pack's polling sensors, for any API the pack talks to.

A sensor subclasses ``IngramPollingSensor``, names its config section and state namespace,
and implements ``poll_account(ctx)``; the base does the rest:

* serves every configured account, or the subset in ``sensors.accounts``, from one
  sensor process, each with its own client, state keys and request budget;
* reads its settings from ``config["sensors"]`` (common keys) merged with
  ``config["sensors"][SECTION]``, over ``DEFAULTS``; ``poll_interval`` from there is
  applied with ``set_poll_interval`` (never below st2's minimum of 4 s);
* with ``sensors.single_active``, polls only while it holds the sensor's lease
  (``sensor_state.Lease``), so one copy is active when several sensor nodes run it;
* never lets an exception out of ``poll()``: an API error (5xx, 429 after retries,
  timeout), a bad body, a missing config or a bug is logged and the next poll retries.
  StackStorm stops respawning a sensor that crashes twice within 10 s, so a sensor that
  raised would go silent until the sensor container is restarted.

``ctx`` (a ``PollContext``) carries ``account``, ``client``, ``state`` (a
``sensor_state.StateParts`` over ``STATE_PARTS``), ``budget`` (a ``RequestBudget``),
``settings`` and ``now``; ``ctx.dispatch(trigger, payload, *parts)`` dispatches and records
the named state parts, which the base writes once at the end of the poll (the position
parts ``head``/``meta`` last) -- or, when the poll fails, as they stood at the last accepted
dispatch; ``ctx.state.mark(part)`` records a change made without a dispatch, and
``ctx.report_lag(...)`` how far the sensor's sweeps are behind. Example::

    import _ingram_path  # noqa: F401
    from ingram_lib.sensing.polling import IngramPollingSensor, fetch_list_page
    from ingram_lib.sensing.state import trim_oldest

    class ResellerSensor(IngramPollingSensor):
        SECTION = "resellers"                   # config: sensors.resellers.*
        DEFAULTS = {"poll_interval": 300}
        STATE_PARTS = {"seen": {}}              # ingram_micro.sensor.resellers.<acct>.seen

        def poll_account(self, ctx):
            rows, _ = fetch_list_page(ctx.client, "/resellers", {}, 0, 100, ctx.budget)
            for row in rows:
                if row["id"] not in ctx.state["seen"]:
                    ctx.state["seen"][row["id"]] = ctx.now
                    trim_oldest(ctx.state["seen"], 5000, lambda seen_at: seen_at)
                    ctx.dispatch("ingram_micro.reseller_created", {"id": row["id"]}, "seen")

``make_client(account)`` returns the Marketplace client by default; the Xvantage sensors
override it (``sensing.xvantage_sensor.XvantagePollingSensor``) and read pages with that
client, since ``fetch_list_page`` knows the Marketplace list envelope only. Keep every state
part bounded (``trim_oldest``); ``StateStore`` refuses values over 2 MB.
"""

import time

from st2reactor.sensor.base import PollingSensor

from ..core.config import account_names, config_value, marketplace_settings
from ..core.errors import BudgetExhausted, ConfigError, IngramMicroError, \
    PayloadRejected, StateTooLarge
from ..marketplace.client import MarketplaceClient
from .state import Lease, StateParts, StateStore

MINIMUM_POLL_INTERVAL = 4

COMMON_DEFAULTS = {
    "accounts": [],
    "max_requests_per_poll": 20,
    "single_active": False,
}
# Parts that say where a sweep stands; written after the parts they describe.
POSITION_PARTS = ("head", "meta")
# A lease outlives this many poll intervals (plus slack for a poll slowed by retries).
LEASE_INTERVALS = 3
LEASE_SLACK = 60


class RequestBudget(object):
    """Counts the HTTP requests (retries and token requests included) of one poll."""

    def __init__(self, transport, limit):
        self.transport = transport
        self.limit = int(limit)
        self.start = transport.request_count

    @property
    def used(self):
        return self.transport.request_count - self.start

    @property
    def remaining(self):
        return self.limit - self.used

    def allows(self, requests=1):
        return self.remaining >= requests

    def require(self, requests=1):
        if not self.allows(requests):
            raise BudgetExhausted("request budget of %d per poll used up" % self.limit)


def fetch_list_page(client, path, params, offset, limit, budget=None):
    """One page of a Marketplace list: ``(rows, total)``; raises ``BadResponse``."""
    if budget is not None:
        budget.require(1)
    query = dict(params or {})
    query.update(offset=offset, limit=limit)
    body = client.expect("list", client.get(path, query), path)
    pagination = body.get("pagination")
    total = pagination.get("total") if isinstance(pagination, dict) else None
    if not isinstance(total, int) or isinstance(total, bool):
        total = None
    rows = [r for r in body["data"] if isinstance(r, dict) and r.get("id") is not None]
    return rows, total


def at_end(rows, total, offset, limit):
    # A server may cap ``limit`` below what was asked, so a short page ends the walk only
    # when the envelope carries no total.
    if not rows:
        return True
    if total is not None:
        return offset >= total
    return len(rows) < limit


class PollContext(object):
    def __init__(self, sensor, account, client, state, budget, settings, now):
        self.sensor = sensor
        self.account = account
        self.client = client
        self.state = state
        self.budget = budget
        self.settings = settings
        self.now = now
        self.dispatched = 0
        self.lag = {}

    def report_lag(self, sweep, polls_needed, polls_behind=0, pending=0):
        """What one kind of work (``sweep``) still needs: ``polls_needed`` polls for its
        current pass at this budget, ``polls_behind`` polls it has already been running
        (0 when it finished in this poll), ``pending`` rows or orders not yet looked at.

        The base logs a warning when a sweep is behind and shows it in ``last_poll``,
        which the runner's ``sensor`` command prints.
        """
        self.lag[sweep] = {"polls_needed": int(polls_needed),
                           "polls_behind": int(polls_behind), "pending": int(pending)}

    def dispatch(self, trigger, payload, *parts):
        self.state.dispatch(self.sensor.sensor_service, trigger, payload, *parts)
        self.dispatched += 1

    @property
    def log(self):
        return self.sensor.log


class IngramPollingSensor(PollingSensor):
    SECTION = None
    DEFAULTS = {}
    STATE_PARTS = {}

    def __init__(self, sensor_service, config=None, poll_interval=None):
        interval = poll_interval or self.DEFAULTS.get("poll_interval") or 60
        super(IngramPollingSensor, self).__init__(
            sensor_service=sensor_service, config=config, poll_interval=interval)
        self.log = self.sensor_service.get_logger(type(self).__name__)
        # Injectable so tests can follow the emulator's clock.
        self.clock = time.time
        self._clients = {}
        self._lease = None
        # False while another copy of this sensor holds the lease (sensors.single_active).
        self.active = True
        # Outcome of the latest poll per account: {"ok", "requests", "dispatched", "error"}.
        self.last_poll = {}

    # -- settings ---------------------------------------------------------------------------

    @property
    def pack_config(self):
        return getattr(self, "config", None) or getattr(self, "_config", None) or {}

    def settings(self):
        sensors = config_value(self.pack_config, "sensors") or {}
        values = dict(COMMON_DEFAULTS)
        values.update(self.DEFAULTS)
        for key in COMMON_DEFAULTS:
            if config_value(sensors, key) is not None:
                values[key] = config_value(sensors, key)
        section = config_value(sensors, self.SECTION) if self.SECTION else None
        for key, value in (section or {}).items():
            if value is not None:
                values[key] = value
        return values

    def accounts(self, settings):
        configured = account_names(self.pack_config)
        if not configured:
            raise ConfigError("pack config has no 'accounts' and no top-level account "
                              "settings; the sensor has nothing to watch")
        wanted = list(settings.get("accounts") or [])
        unknown = [a for a in wanted if a not in configured]
        if unknown:
            self.log.warning("sensors.accounts names unknown account(s) %s; configured: %s",
                             ", ".join(unknown), ", ".join(configured))
        return [a for a in wanted if a in configured] if wanted else configured

    # -- st2 life cycle -------------------------------------------------------------------

    def setup(self):
        try:
            interval = self.settings().get("poll_interval")
            if interval:
                self.set_poll_interval(max(MINIMUM_POLL_INTERVAL, float(interval)))
        except Exception:
            self.log.exception("could not read the sensor settings; keeping poll interval %s",
                               self.get_poll_interval())

    def poll(self):
        try:
            settings = self.settings()
            accounts = self.accounts(settings)
        except Exception as exc:
            self.log.error("%s: not polling: %s", type(self).__name__, exc)
            return
        if not self._may_poll(settings):
            return
        for account in accounts:
            self._poll_one(account, settings)
            if settings.get("single_active"):
                self._may_poll(settings)

    def _may_poll(self, settings):
        if not settings.get("single_active"):
            self.active = True
            return True
        if self._lease is None:
            self._lease = Lease(self.sensor_service, self.SECTION)
        ttl = LEASE_INTERVALS * float(self.get_poll_interval()) + LEASE_SLACK
        try:
            active = self._lease.acquire(ttl)
        except Exception as exc:
            self.log.warning("could not read or renew the sensor lease: %s", exc)
            active = False
        if active != self.active:
            self.log.info("%s %s (lease %s)", type(self).__name__,
                          "is the active copy" if active else "is on standby",
                          self._lease.key)
        self.active = active
        if not active:
            self.last_poll = {}
        return active

    def _poll_one(self, account, settings):
        outcome = {"ok": False, "requests": 0, "dispatched": 0, "error": None}
        ctx = None
        flushed = False
        try:
            client = self.client(account)
            budget = RequestBudget(client.transport, settings["max_requests_per_poll"])
            store = StateStore(self.sensor_service, self.SECTION, account, logger=self.log)
            state = StateParts(store, self.STATE_PARTS)
            ctx = PollContext(self, account, client, state, budget, settings, self.clock())
            self.poll_account(ctx)
            # What changed is written once, the position (head or meta) last: a crash
            # between two writes then re-reads rows rather than skipping them.
            state.flush(*[p for p in POSITION_PARTS if p in state.values])
            flushed = True
            outcome["ok"] = True
        except BudgetExhausted as exc:
            outcome["ok"] = True
            outcome["error"] = str(exc)
            self.log.info("account %s: %s; continuing next poll", account, exc)
        except PayloadRejected as exc:
            # A bug or an unforeseen API value: StackStorm would drop this payload, so the
            # event stays unrecorded and is tried again on every poll until it passes.
            outcome["error"] = str(exc)
            self.log.error("account %s: %s; not dispatched and not checkpointed, so the "
                           "event is kept for the next poll (trigger %s, field %s)",
                           account, exc, exc.trigger, exc.field or "-")
        except StateTooLarge as exc:
            # Not a passing fault: no event of this account goes out until the part fits.
            outcome["error"] = str(exc)
            self.log.error("account %s: %s; this account's events stop here until the "
                           "sensor state fits (README: Sensors and triggers, State)",
                           account, exc)
        except IngramMicroError as exc:
            outcome["error"] = str(exc)
            self.log.warning("account %s: poll failed, next poll retries: %s", account, exc)
        except Exception as exc:
            outcome["error"] = repr(exc)
            self.log.exception("account %s: poll failed unexpectedly", account)
        if ctx is not None and not flushed:
            self._keep_accepted(account, ctx.state)
        if ctx is not None:
            outcome["requests"] = ctx.budget.used
            outcome["dispatched"] = ctx.dispatched
            outcome["lag"] = dict(ctx.lag)
            self._warn_lag(account, ctx.lag, ctx.budget.limit)
        self.last_poll[account] = outcome

    def _keep_accepted(self, account, state):
        try:
            state.write_accepted()
        except Exception as exc:
            self.log.error("account %s: events dispatched in this poll could not be "
                           "checkpointed (%s); they will be dispatched again", account, exc)

    def _warn_lag(self, account, lag, limit):
        for sweep, numbers in sorted(lag.items()):
            if numbers["polls_behind"] > 0:
                self.log.warning(
                    "account %s: %s is behind: %d poll(s) into a pass that needs %d at %d "
                    "requests per poll, %d pending; changes there are reported up to %d "
                    "poll(s) late", account, sweep, numbers["polls_behind"],
                    numbers["polls_needed"], limit, numbers["pending"],
                    max(numbers["polls_needed"], numbers["polls_behind"]))

    def cleanup(self):
        if self._lease is not None:
            self._lease.release()
        for client in self._clients.values():
            try:
                client.transport.close()
            except Exception:
                pass
        self._clients = {}

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass

    # -- for subclasses -------------------------------------------------------------------

    def client(self, account):
        if account not in self._clients:
            self._clients[account] = self.make_client(account)
        return self._clients[account]

    def make_client(self, account):
        return MarketplaceClient(marketplace_settings(self.pack_config, account),
                                 kv=self.sensor_service, logger=self.log)

    def poll_account(self, ctx):
        raise NotImplementedError()
