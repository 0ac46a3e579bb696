from ingram_lib.action import IngramAction
from ingram_lib.errors import ParameterError


class ApiRequest(IngramAction):
    def run(self, path, account="default", method="GET", query=None, body=None, retry=None):
        if not path.startswith("/") or "://" in path or ".." in path.split("?")[0].split("/"):
            return False, ParameterError(
                "path", "must be a path below the API base URL such as /customers, got '%s'"
                % path).to_dict()
        if "?" in path:
            return False, ParameterError(
                "path", "put query parameters in 'query', not in the path").to_dict()
        client = self.marketplace(account)
        idempotent = (method == "GET") if retry is None else retry
        return self.call(lambda: client.request(method, path, params=query, body=body,
                                                idempotent=idempotent))
