from ingram_lib.core import paths
from ingram_lib.action import IngramAction


class ApiRequest(IngramAction):
    WRITE_LOOKUP = ("path",)

    def run(self, path, account="default", method="GET", query=None, body=None, retry=None):
        paths.api_path("path", path, example="/customers")
        client = self.marketplace(account)
        idempotent = (method == "GET") if retry is None else retry
        return client.request(method, path, params=query, body=body, idempotent=idempotent)

    def is_write(self, params):
        return params.get("method", "GET") != "GET"
