"""Local emulator of the Ingram Micro Cloud Marketplace API and the Xvantage reseller API.

``python -m emulator`` serves both on a loopback port; tests start ``EmulatorServer`` on an
ephemeral port. State lives in memory, time runs on a controllable clock, and faults
(429 + Retry-After, 5xx, slow answers, accept-then-timeout) can be switched on over
``/_emulator/faults`` or in-process.

Layout:

- ``server.py``: ``Emulator`` (one dispatcher for both APIs: journal, request counts,
  faults, the control router) and ``EmulatorServer`` (the HTTP plumbing);
- ``router.py``: ``Router``, path templates with ``{name}`` segments, used for the APIs and
  for the control endpoints; ``http.py``: ``Request``, ``Response``, ``HttpError``;
- ``faults.py``: one ``Fault`` subclass per kind; each says whether it answers instead of
  the handler, how it changes the handler's answer, and whether and when the answer goes
  out. A new kind is a new subclass there and nothing else;
- ``clock.py``, ``ratelimit.py``: emulator time and the rate limiters both APIs use;
- ``marketplace/`` and ``xvantage/``: one app each (``app.py``: prefix match, auth, error
  bodies) and one module (or package, like ``marketplace/orders/``) per resource.

A new resource goes in the API's directory as a module with ``register(router, state)``
(``register(router, store)`` for Xvantage) that adds its API routes, and is listed in the
app's ``RESOURCES``. Its state goes on the API's state object (``marketplace/state.py``,
``xvantage/state.py``); ``seed(state)``, if present, fills a fresh emulator.

Control endpoints are routes on ``Emulator.controls``: the emulator's own
(``/_emulator/faults``, ``/clock``, ``/requests``) and, below ``/_emulator/<api>``, the
app's, added in ``app.register_controls(controls)``. A resource adds its own by defining
``register_controls(controls, state)``; ``controls.add(method, "/orders/bulk", handler)``
then serves ``/_emulator/<api>/orders/bulk``. Control handlers take ``(request, body)``
(``body``: the JSON body, ``{}`` when there is none); an ``HttpError`` they raise is
answered as ``{"message": ...}``.
"""

from .server import Emulator, EmulatorServer  # noqa: F401
