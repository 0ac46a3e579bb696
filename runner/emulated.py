"""The pack config that points at the local emulator, and finding or starting one."""

import socket
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
