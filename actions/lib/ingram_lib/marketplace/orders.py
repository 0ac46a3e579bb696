"""Safe order placement on the Marketplace API.

``POST /orders`` can take longer than a minute and is never retried: a timed-out or dropped
request, or a gateway 502/504, may still have created the order. Every order therefore
carries a poNumber (``st2-<8 hex>`` when the caller gives none); after such a failure the
newest orders of the customer are read back and matched on it. The result is the existing
order (``reconciled: true``) or an ``order_outcome_unknown`` error naming the poNumber --
never a second submission.

Before placing, product activation parameters are checked locally (``activation.py``); a
dry run adds the API's own validation and a price estimate and places nothing.
"""

import time
import uuid

from ..core import checks
from ..core.errors import ActivationParameterError, OrderConflictError, OrderOutcomeUnknown, \
    ParameterError, RequestError, answer_may_be_lost, expect_object
from ..core.times import parse_time
from .activation import RuleSet, errors_of

TERMINAL = ("completed", "error", "cancelled")
OPEN = ("submitted", "processing")
RECONCILE_PAGES = 2
RECONCILE_PAGE_SIZE = 25
# Orders created this long before our request started still count as candidates: the
# platform's clock and ours differ, and the request may have queued at the gateway.
RECONCILE_SKEW = 300
# A gateway 504 can come while the platform is still creating the order, so the lookup
# (never the order) is repeated after these pauses before the outcome is called unknown.
RECONCILE_WAITS = (0, 5, 15)


def new_po_number():
    return "st2-" + uuid.uuid4().hex[:8]


class OrderDesk(object):
    """Places, checks and reconciles orders for one Marketplace account."""

    def __init__(self, client, config=None, rules=None, clock=None, sleep=time.sleep):
        self.client = client
        self.rules = rules or RuleSet.load(config)
        self.marketplace = getattr(client.settings, "marketplace", None)
        # Read when placing an order and compared with the platform's creation times, so
        # the wall clock is looked up here rather than bound at import: a test can pin it.
        self.clock = clock or time.time
        self.sleep = sleep
        self.reconcile_waits = RECONCILE_WAITS
        self._products = {}

    def progress(self, message, *args):
        """One INFO line per step of a long operation (a wait, a reconcile): StackStorm
        shows it in the execution's output, the runner on stderr."""
        log = getattr(self.client, "log", None)
        if log is not None:
            log.info(message, *args)

    # -- catalog ------------------------------------------------------------------------------

    def product_info(self, line):
        """Vendor and name of an order line's product, for matching rule families.

        MPNs listed in a family need no lookup; others are looked up once per run in
        ``GET /products`` (a read; no order or validation request is involved).
        """
        mpn = line.get("mpn")
        info = {"mpn": mpn, "vendor": line.get("vendor"), "name": line.get("name"),
                "serviceName": line.get("serviceName")}
        if not mpn or not self.rules.needs_catalog(mpn) or info["name"]:
            return info
        key = (mpn, line.get("vendor"), line.get("id"))
        if key not in self._products:
            page = self.client.get("/products", checks.compact(
                {"mpn": mpn, "vendor": line.get("vendor"), "limit": 50})) or {}
            rows = page.get("data") or []
            if line.get("id"):
                rows = [r for r in rows if r.get("id") == line["id"]] or rows
            families = {self.rules.family_of(r) for r in rows}
            # Terms of one MPN share a family; if they did not, no family applies.
            self._products[key] = rows[0] if rows and len(families) == 1 else {}
        found = self._products[key]
        return dict(info, **{k: found.get(k) for k in ("vendor", "name", "serviceName")
                             if found.get(k)})

    # -- activation parameters ------------------------------------------------------------------

    def local_check(self, lines, phase):
        answers = []
        for index, line in enumerate(lines or []):
            if not isinstance(line, dict):
                raise ParameterError("products", "item %d must be an object" % index)
            answer = self.rules.check(self.product_info(line), line.get("parameters"),
                                      self.marketplace, phase)
            answers.append(("products[%d] (%s)" % (index, line.get("mpn") or line.get("id")),
                            answer))
        return answers

    def require_local_ok(self, lines, phase):
        answers = self.local_check(lines, phase)
        problems = errors_of(answers)
        if problems:
            raise ActivationParameterError(problems, answers)
        return answers

    def remote_validation(self, customer_id, lines, order_type="sales", phase="validation"):
        """POST /validation/parameters; order-phase values are converted first."""
        products = []
        for line in lines:
            item = checks.compact({k: line.get(k) for k in (
                "mpn", "id", "vendor", "billingPeriod", "subscriptionPeriod", "quantity")})
            params = line.get("parameters") or []
            if phase == "order":
                params = self.rules.to_validation(self.product_info(line), params,
                                                  self.marketplace)
            item["parameters"] = params
            products.append(item)
        body = {"customerId": customer_id, "type": order_type, "products": products}
        return self.client.post("/validation/parameters", body, idempotent=True, read=True)

    def validate(self, customer_id, lines, order_type="sales", phase="validation"):
        """Local checks, then (only if they pass) the API's validation, merged."""
        checks.required("customerId", customer_id)
        if not isinstance(lines, list) or not lines:
            raise ParameterError("products", "give at least one product with its parameters")
        answers = self.local_check(lines, phase)
        problems = errors_of(answers)
        out = {"valid": not problems, "phase": phase, "marketplace": self.marketplace,
               "problems": problems, "products": []}
        for (where, answer), line in zip(answers, lines):
            out["products"].append({"mpn": line.get("mpn"), "id": line.get("id"),
                                    "family": answer["family"],
                                    "inactive_rules": answer["inactive_rules"],
                                    "parameters": list(answer["results"])})
        if problems:
            out["remote_called"] = False
            return out
        remote = self.remote_validation(customer_id, lines, order_type, phase)
        out["remote_called"] = True
        rows = (remote.get("data") if isinstance(remote, dict) else remote) or []
        if len(out["products"]) == 1 and rows and all(
                isinstance(r, dict) and "result" in r for r in rows):
            rows = [{"parameters": rows}]  # 1.1 answered with a flat list of parameters
        for product, row in zip(out["products"], rows):
            product["parameters"] = merge_results(product["parameters"],
                                                  (row or {}).get("parameters") or [])
            product["id"] = product["id"] or (row or {}).get("id")
            for result in product["parameters"]:
                if result.get("result") == "error":
                    out["problems"].append("%s: parameter '%s': %s" % (
                        product["mpn"] or product["id"], result.get("name"),
                        result.get("message") or result.get("valueError") or "is not valid"))
        out["valid"] = not out["problems"]
        return out

    # -- placement ------------------------------------------------------------------------------

    def prepare(self, body):
        body = dict(body)
        checks.required("customerId", body.get("customerId"))
        body["poNumber"] = body.get("poNumber") or new_po_number()
        return body

    def dry_run(self, body):
        """Local check, API validation (sales orders) and estimate; places nothing."""
        lines = body.get("products") or []
        out = {"dry_run": True, "placed": False, "poNumber": body["poNumber"]}
        if body.get("type", "sales") == "sales" and lines:
            validation = self.validate(body["customerId"], lines, "sales", phase="order")
            if not validation["valid"]:
                # The API would reject this order, so the dry run fails like the order would.
                raise ActivationParameterError(validation["problems"], validation=validation)
            out["validation"] = validation
        out["estimate"] = self.client.expect(
            "object", self.client.post("/orders/estimate", body, idempotent=True, read=True),
            "/orders/estimate", "POST", what="estimate")
        return out

    def place(self, body, dry_run=False, check_conflicts=True):
        """Places ``body`` once; returns ``{order, poNumber, reconciled}`` (or a dry run)."""
        body = self.prepare(body)
        if body.get("type", "sales") == "sales":
            self.require_local_ok(body.get("products"), "order")
        if body.get("type") == "change" and check_conflicts:
            subs = {str(line.get("subscriptionId")) for line in body.get("products") or []
                    if isinstance(line, dict) and line.get("subscriptionId")}
            if body.get("subscriptionId"):
                subs.add(str(body["subscriptionId"]))
            for subscription_id in sorted(subs):
                self.refuse_if_change_open(subscription_id)
        if dry_run:
            return self.dry_run(body)
        started = self.clock()
        timeout = getattr(self.client.settings, "order_timeout", None)
        try:
            order = self.client.expect(
                "object", self.client.post("/orders", body, idempotent=False,
                                           read_timeout=timeout),
                "/orders", "POST", ("id",), what="order")
        except RequestError as exc:
            if not answer_may_be_lost(exc):
                raise  # answered with a refusal: nothing was created
            self.progress("order with poNumber %s: no usable answer to POST /orders (%s); "
                          "it may exist, so it is looked up, never sent again",
                          body["poNumber"], "HTTP %s" % exc.status if exc.status else exc.kind)
            return self.reconcile(body, started, exc)
        return {"order": order, "poNumber": body["poNumber"], "reconciled": False}

    def reconcile(self, body, started, cause):
        """Finds the order that a failed POST may have created, by poNumber; the lookup is
        repeated after each of ``RECONCILE_WAITS``, the order is never resent."""
        seen = set()
        lookup_failure = None
        for attempt, pause in enumerate(self.reconcile_waits, 1):
            if pause:
                self.sleep(pause)
            self.progress("looking for the order with poNumber %s among customer %s's newest "
                          "orders (attempt %d of %d)", body["poNumber"], body["customerId"],
                          attempt, len(self.reconcile_waits))
            try:
                matches = self._find_by_po(body, started, seen)
            except RequestError as exc:
                # The lookup failing says nothing about the order: keep looking, and if it
                # never works the outcome is unknown -- not the lookup's error.
                lookup_failure = exc
                continue
            lookup_failure = None
            if matches:
                self.progress("found order %s with poNumber %s: it was placed",
                              matches[0].get("id"), body["poNumber"])
                return {"order": matches[0], "poNumber": body["poNumber"],
                        "reconciled": True, "reconciled_after": str(cause),
                        "matching_orders": len(matches)}
        raise OrderOutcomeUnknown(body["poNumber"], cause, lookup_failure)

    def _find_by_po(self, body, started, seen):
        """Reads at most ``RECONCILE_PAGES`` pages of the customer's orders, newest first,
        stopping at rows created before shortly before the request; list rows have no
        poNumber, so each new candidate's detail is read (once per reconcile).

        ``creationTimeFrom`` is deliberately not sent: nobody has confirmed how the API
        reads its zone, and a misread filter would hide the very order we look for.
        """
        since = started - RECONCILE_SKEW
        params = {"customerId": body["customerId"], "limit": RECONCILE_PAGE_SIZE}
        kind = body.get("type", "sales")
        matches = []
        for page in range(RECONCILE_PAGES):
            answer = self.client.expect("list", self.client.get(
                "/orders", dict(params, offset=page * RECONCILE_PAGE_SIZE)), "/orders")
            rows = answer["data"]
            older = False
            for row in rows:
                created = parse_time(row.get("creationDate"))
                if created is not None and created < since:
                    older = True
                    break
                if row.get("type", kind) != kind or row.get("id") in seen:
                    continue
                seen.add(row.get("id"))
                detail = self.client.get(self.client.path("/orders/{id}", id=row["id"]))
                if (detail or {}).get("poNumber") == body["poNumber"]:
                    matches.append(detail)
            if older or len(rows) < RECONCILE_PAGE_SIZE:
                break
        return matches

    # -- subscription changes ---------------------------------------------------------------------

    def open_change_order(self, subscription_id):
        """An open (submitted/processing) change order of the subscription, or None.

        The API takes one status per request, so each open status is asked separately.
        """
        for status in OPEN:
            page = self.client.expect("list", self.client.get(
                "/orders", {"subscriptionId": subscription_id, "status": status,
                            "limit": 100}), "/orders")
            for row in page["data"]:
                if row.get("type") == "change":
                    return row
        return None

    def refuse_if_change_open(self, subscription_id):
        blocking = self.open_change_order(subscription_id)
        if blocking is not None:
            raise OrderConflictError(
                "subscription %s already has an open change order %s (status %s); wait for "
                "it to finish or cancel it, then try again -- the API would reject a second "
                "change order" % (subscription_id, blocking.get("orderNumber"),
                                  blocking.get("status")), open_order=blocking)

    def subscription(self, subscription_id):
        path = self.client.path("/subscriptions/{subscriptionId}", subscriptionId=subscription_id)
        return expect_object(self.client.get(path), "subscription", path, ("customerId",))

    # -- waiting ----------------------------------------------------------------------------------

    def wait(self, order_id, wait_seconds=600, poll_interval=5, max_interval=60):
        """Polls the order until a terminal status or ``wait_seconds``; backs off x1.5."""
        deadline = self.clock() + wait_seconds
        interval = poll_interval
        polls = 0
        path = self.client.path("/orders/{orderId}", orderId=order_id)
        while True:
            order = expect_object(self.client.get(path), "order", path)
            polls += 1
            if order.get("status") in TERMINAL:
                return {"order": order, "status": order["status"], "finished": True,
                        "polls": polls}
            left = deadline - self.clock()
            if left <= 0:
                return {"order": order, "status": order.get("status"), "finished": False,
                        "polls": polls}
            self.progress("waiting for order %s: status %s, next check in %g s", order_id,
                          order.get("status"), round(min(interval, left), 1))
            self.sleep(min(interval, left))
            interval = min(interval * 1.5, max_interval)


def merge_results(local, remote):
    """One result per parameter name: an error on either side wins; both messages kept."""
    merged = []
    by_name = {}
    for result in local:
        entry = dict(result)
        merged.append(entry)
        by_name.setdefault(result.get("name"), entry)
    for result in remote:
        result = dict(result, source="api")
        entry = by_name.get(result.get("name"))
        if entry is None:
            merged.append(result)
            by_name[result.get("name")] = result
            continue
        if result.get("result") == "error" and entry.get("result") != "error":
            entry["result"] = "error"
        entry["source"] = "local+api"
        entry["api"] = {k: result.get(k) for k in (
            "result", "message", "valueError", "valueChoices", "phase", "type")
            if result.get(k) is not None}
        if result.get("result") == "error":
            entry["message"] = result.get("message") or entry.get("message")
    return merged
