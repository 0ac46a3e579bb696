from ingram_lib.core import paths
from ingram_lib.xvantage import results
from ingram_lib.action import IngramAction


class XvantageApiRequest(IngramAction):
    WRITE_LOOKUP = ("path",)

    def run(self, path, account="default", method="GET", query=None, body=None, retry=None):
        paths.api_path("path", path, example="/resellers/v6/catalog")
        idempotent = (method == "GET") if retry is None else retry
        client = self.xvantage(account)
        reply = client.call(method, path, params=query, body=body, idempotent=idempotent)
        if not isinstance(reply.body, (dict, list)):
            # Only "no content" or a cancel's documented bare 200 may come without JSON.
            results.require_body(reply, method, client.prefix + path,
                                 allow_empty=reply.status == 204 or method == "DELETE")
        return {"httpStatus": reply.status, "body": reply.body,
                "correlationId": reply.correlation_id}

    def is_write(self, params):
        return params.get("method", "GET") != "GET"
