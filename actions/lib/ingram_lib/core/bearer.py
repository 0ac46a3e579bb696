"""Bearer-token handling that the Marketplace and Xvantage clients share.

A client using ``BearerTokenMixin`` has ``tokens`` (a ``TokenCache``), ``redactor`` and an
``authenticate()`` that fetches a new token and hands it to ``_remember``.
"""

from .errors import AuthenticationError


class BearerTokenMixin(object):
    def _token(self):
        token = self.tokens.get()
        if token:
            self.redactor.add(token)
            return token
        return self.authenticate()

    def _remember(self, token, lifetime):
        self.redactor.add(token)
        self.tokens.put(token, lifetime)
        return token

    def _send_authenticated(self, send):
        """Calls ``send(token)``. A 401 means the request was rejected, so sending it once
        more with a fresh token cannot duplicate anything."""
        token = self._token()  # a token request refused for bad credentials is not retried
        try:
            return send(token)
        except AuthenticationError as exc:
            if exc.status != 401:
                raise
            self.tokens.drop()
            return send(self.authenticate())
