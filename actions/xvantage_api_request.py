from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError


class XvantageApiRequest(IngramAction):
    def run(self, path, account="default", method="GET", query=None, body=None, retry=None):
        def work():
            segments = path.split("/")
            if not path.startswith("/") or "://" in path or ".." in segments:
                raise ParameterError("path", "must be a path below the API root such as "
                                     "/resellers/v6/catalog, got '%s'" % path)
            if "?" in path:
                raise ParameterError("path", "put query parameters in 'query', not in the path")
            idempotent = (method == "GET") if retry is None else retry
            reply = self.xvantage(account).call(method, path, params=query, body=body,
                                                idempotent=idempotent)
            return {"httpStatus": reply.status, "body": reply.body,
                    "correlationId": reply.correlation_id}
        return self.call(work)
