"""Base class of the pack's actions: config -> client, and one way to end.

An action module defines one class whose ``run()`` names its parameters exactly as the
action YAML does, checks them, calls a client and returns the result. It never catches an
error to turn it into a result: ``run`` is wrapped so that

* a returned value becomes ``(True, value)`` once it is known to be a real body (a non-empty
  object or a list) that StackStorm can store (``limits.MAX_RESULT_BYTES``);
* any exception becomes ``(False, {error, message, ...})``: the pack's own errors render
  themselves (``errors.py``), anything else is an ``internal_error`` whose traceback goes
  to the log, not to the user;
* the failure of a write (``WRITE_LOOKUP`` set) says whether the write may have happened
  (``may_have_happened``) and, when it may, which parameters find it (``lookup``);
* every result, success or failure, and every log line has the account's secrets masked.
"""

import functools
import json
import traceback

from st2common.runners.base_action import Action

from .core import checks, limits
from .core.config import marketplace_settings, xvantage_settings
from .core.errors import BadResponse, IngramMicroError, InternalError, OutcomeUnknown, \
    ParameterError, ResultTooLarge
from .core.redact import Redactor, config_secrets
from .marketplace.client import MarketplaceClient


def _ends_once(run):
    @functools.wraps(run)
    def wrapper(self, *args, **kwargs):
        try:
            result = run(self, *args, **kwargs)
        except IngramMicroError as exc:
            return self.failure(exc, kwargs)
        except Exception as exc:
            # Any other exception is a bug or an input nobody foresaw; the user gets a result
            # that says so, the log gets the traceback (masked like everything else).
            self.logger.error("%s", self.redactor().text(
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__,
                                                   limit=12))))
            return self.failure(InternalError(exc), kwargs)
        try:
            return True, self.success(result)
        except IngramMicroError as exc:
            return self.failure(exc, kwargs)
    wrapper.ends_once = True
    return wrapper


class IngramAction(Action):
    # Parameters (as the YAML names them) that find what a write action created or changed;
    # None for actions that only read.
    WRITE_LOOKUP = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "ends_once", False):
            cls.run = _ends_once(run)

    def __init__(self, config=None, action_service=None):
        super(IngramAction, self).__init__(config=config, action_service=action_service)
        self._clients = {}

    def marketplace(self, account=None):
        key = ("marketplace", account)
        if key not in self._clients:
            settings = marketplace_settings(self.config, account)
            self._clients[key] = MarketplaceClient(
                settings, kv=self.action_service, logger=self.logger)
        return self._clients[key]

    def xvantage(self, account=None):
        key = ("xvantage", account)
        if key not in self._clients:
            from .xvantage.client import XvantageClient
            settings = xvantage_settings(self.config, account)
            self._clients[key] = XvantageClient(
                settings, kv=self.action_service, logger=self.logger)
        return self._clients[key]

    # -- shared bodies of several actions ----------------------------------------------------

    def update_account(self, account, template, ids, fields):
        """PATCH of a customer or reseller: only the fields given, at least one of them."""
        body = checks.compact(fields)
        if not body:
            raise ParameterError("name", "give at least one field to change (%s)"
                                 % ", ".join(sorted(fields)))
        client = self.marketplace(account)
        path = client.path(template, **ids)
        return client.expect("object", client.patch(path, body), path, "PATCH", ("id",))

    def list_page(self, account, path, filters, offset=0, limit=10, all_pages=False,
                  max_items=1000):
        """One page of a Marketplace list, or every page up to ``max_items`` rows.

        ``filters`` are keyed by the parameter names of the action's YAML (which are the
        API's query names), so a bad one is reported under its own name.
        """
        filters = {name: checks.text(name, value) for name, value in filters.items()}
        return self.marketplace(account).list(path, filters, offset=offset, limit=limit,
                                              all_pages=all_pages, max_items=max_items)

    def get_object(self, account, template, what, **ids):
        """``GET`` of one resource, which must come back as an object with its id."""
        client = self.marketplace(account)
        path = client.path(template, **ids)
        return client.expect("object", client.get(path), path, "GET", ("id",), what=what)

    # -- how an action ends ------------------------------------------------------------------

    def redactor(self):
        """Every secret this action knows: the config's and each client's (tokens too)."""
        redactor = Redactor(config_secrets(self.config or {}))
        for client in self._clients.values():
            redactor.extend(client.redactor)
        return redactor

    def success(self, result):
        if isinstance(result, dict) and result or isinstance(result, list):
            result = self.redactor().data(result)
            size = len(json.dumps(result, default=str))
            if size > limits.MAX_RESULT_BYTES:
                raise ResultTooLarge(size, limits.MAX_RESULT_BYTES,
                                     "ask for less (a smaller max_items or limit, or a "
                                     "narrower filter)")
            return result
        raise BadResponse("the action produced no result body (%s)" % type(result).__name__)

    def failure(self, exc, params=None):
        """``(False, error dict)``, masked and logged."""
        result = exc.to_dict()
        if self.is_write(params or {}):
            result.update(self.write_outcome(exc, params or {}))
        result = self.redactor().data(result)
        self.logger.error("%s", result.get("message"))
        return False, result

    def is_write(self, params):
        return self.WRITE_LOOKUP is not None

    def write_outcome(self, exc, params):
        lookup = {name: params[name] for name in self.WRITE_LOOKUP or ()
                  if params.get(name) not in (None, "")}
        if isinstance(exc, OutcomeUnknown):
            lookup.update(exc.lookup)
            happened = True
        else:
            happened = any(client.transport.write_may_have_happened()
                           for client in self._clients.values())
        out = {"may_have_happened": happened}
        if happened:
            out["lookup"] = lookup
        return out
