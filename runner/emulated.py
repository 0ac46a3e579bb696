"""The pack config that points at the local emulator, and finding or starting one."""

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULT_URL = "http://127.0.0.1:8470"


def emulator_config(base_url, region="eu"):
    from emulator.marketplace.auth import Credentials
    creds = Credentials()
    return {"accounts": {"default": {
        "api_url": "%s/marketplace/%s" % (base_url.rstrip("/"), region),
        "marketplace": "us",
        "username": creds.username,
        "password": creds.password,
        "subscription_key": creds.subscription_key,
        "xvantage": {
            "api_url": base_url.rstrip("/"),
            "client_id": "emulator-client",
            "client_secret": "emulator-client-secret",
            "customer_number": "20-222222",
            "country_code": "US",
            "sender_id": "st2-ingram-micro",
            "verify_ssl": False,
        },
    }}}


def listening(url, timeout=0.3):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 80), timeout=timeout):
            return True
    except OSError:
        return False


class EmbeddedEmulator(object):
    """Uses an emulator already listening at ``url``, or serves one for this process."""

    def __init__(self, url=DEFAULT_URL):
        self.url = url
        self.server = None

    def __enter__(self):
        if not listening(self.url):
            from emulator import EmulatorServer
            self.server = EmulatorServer(port=0).start()
            self.url = self.server.url
        return self

    def __exit__(self, *exc):
        if self.server is not None:
            self.server.stop()


def _python():
    """How the person probably started this interpreter: ``.venv/bin/python`` in a checkout."""
    relative = os.path.relpath(sys.executable)
    return relative if not relative.startswith("..") and " " not in relative else "python"


def embedded_notice(requested, actual):
    """What a run on an embedded emulator tells the person: it started fresh, it is gone
    when the run ends, and how to keep one that outlives runs."""
    parsed = urlparse(requested)
    port = parsed.port or 80
    start = "%s -m emulator%s%s" % (
        _python(), "" if port == 8470 else " --port %d" % port,
        "" if parsed.hostname in ("127.0.0.1", "localhost") else " --host %s" % parsed.hostname)
    again = "" if requested == DEFAULT_URL else " with --emulator %s" % requested
    return ("note: nothing listens at %s, so this run started its own emulator (%s) with "
            "only the seed data; what the run creates there is gone when it ends.\n"
            "note: to keep state between runs, start one in another terminal (%s) and run "
            "again%s." % (requested, actual, start, again))
