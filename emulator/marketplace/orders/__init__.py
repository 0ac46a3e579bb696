"""Orders: ``/orders``, ``/orders/estimate``, ``/orders/{id}`` and ``/resellers/{id}/orders``.

Orders are asynchronous. ``POST /orders`` answers ``submitted``; the emulator clock then moves
each order ``submitted -> processing (AS) -> completed (CP)``, or to ``error``/``cancelled``.
Due transitions sit in a heap and are applied at the start of every Marketplace request, so
tens of thousands of stored orders cost nothing until one of them is due.

- ``book``: indexes, numbers, history, the due heap and ``timing`` (the state);
- ``lifecycle``: transitions on the clock, held and failing orders, what completion does;
- ``placing``: checking a body and placing an order; platform renewal orders;
- ``estimates``: ``POST /orders/estimate``;
- ``pricing``: money amounts and ``details`` lines;
- ``queries``: detail/list views and filters;
- ``handlers``: the API routes; ``controls``: the ``/_emulator/marketplace/orders/...``
  routes (``POST bulk`` ``{count, open_count}``, ``POST renewals`` ``{subscriptionIds,
  withinDays}``, ``GET|POST timing`` (merge into ``timing``), ``GET {id}/history``,
  ``POST {id}/transition`` ``{status, statusCode}``);
- ``seed``: the completed orders a fresh emulator starts with.

What tests and benchmarks call directly is re-exported here.
"""

from .book import book, history, iso  # noqa: F401
from .controls import bulk, generate_renewals, register_controls  # noqa: F401
from .estimates import estimate  # noqa: F401
from .handlers import register, update  # noqa: F401
from .lifecycle import finish, force, process_due  # noqa: F401
from .placing import create, prepare  # noqa: F401
from .queries import detail_view, parse_time, query, row_view  # noqa: F401
from .seed import seed  # noqa: F401
