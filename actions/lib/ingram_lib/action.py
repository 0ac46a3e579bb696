"""Base classes of the pack's actions: config -> client, errors -> structured results.

An action module defines one class whose ``run()`` names its parameters exactly as the
action YAML does, builds its request, and hands a callable to ``self.call``.
"""

import functools

from st2common.runners.base_action import Action

from . import checks
from .config import marketplace_settings, xvantage_settings
from .errors import IngramMicroError, ParameterError
from .marketplace import MarketplaceClient


def _structured_errors(run):
    """``run`` whose expected failures -- also those raised while building a client, such
    as an unknown account -- become a failed structured result instead of a traceback."""
    @functools.wraps(run)
    def wrapper(self, *args, **kwargs):
        try:
            return run(self, *args, **kwargs)
        except IngramMicroError as exc:
            return self.failure(exc)
    wrapper.structured_errors = True
    return wrapper


class IngramAction(Action):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "structured_errors", False):
            cls.run = _structured_errors(run)

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
            from .xvantage import XvantageClient
            settings = xvantage_settings(self.config, account)
            self._clients[key] = XvantageClient(
                settings, kv=self.action_service, logger=self.logger)
        return self._clients[key]

    def update_account(self, account, template, ids, fields):
        """PATCH of a customer or reseller: only the fields given, at least one of them."""
        body = checks.compact(fields)
        if not body:
            raise ParameterError("name", "give at least one field to change (%s)"
                                 % ", ".join(sorted(fields)))
        client = self.marketplace(account)
        return self.call(lambda: client.patch(client.path(template, **ids), body))

    def list_page(self, account, path, filters, offset=0, limit=10, all_pages=False,
                  max_items=1000):
        """One page of a Marketplace list, or every page up to ``max_items`` rows."""
        def work():
            return self.marketplace(account).list(path, filters, offset=offset, limit=limit,
                                                  all_pages=all_pages, max_items=max_items)
        return self.call(work)

    def call(self, work):
        """Runs ``work()``; an expected failure becomes ``(False, {error, message, ...})``."""
        try:
            return True, work()
        except IngramMicroError as exc:
            return self.failure(exc)

    def failure(self, exc):
        """``(False, error dict)`` with every known secret of the clients in use redacted."""
        result = exc.to_dict()
        for client in self._clients.values():
            result = client.redactor.data(result)
        self.logger.error("%s", result.get("message"))
        return False, result
