"""Licence true-up: bring one product line of a subscription to a target seat count.

The decision, in order:

- ``refused`` when the subscription is not active, the product line is ambiguous (several
  lines and no ``mpn``, or an ``mpn`` that names none or several), the change is larger
  than ``max_change`` seats (a pool that large is for a person to look at), or a change
  order for the subscription is still open (the API would refuse a second one);
- ``no_change`` when the line already has the target, or the open change order already
  brings it there;
- ``increase_now``;
- ``decrease_now`` when the term allows it (not NCE, or inside the cancellation window);
- ``decrease_at_renewal`` otherwise: a change order with ``scheduledOn: "renewal"``.

A refusal is a failed result (``error: true_up_refused``) carrying the same fields as a
decision. A dry run prices the change with ``POST /orders/estimate`` (a read) and places
nothing; otherwise the order goes through ``OrderDesk.place`` (sent once, reconciled by
poNumber).
"""

from ..core import checks
from ..core.errors import ActionFailed, IngramMicroError, expect_object
from . import nce

DEFAULT_MAX_CHANGE = 50
REFUSED = "true_up_refused"


class TrueUp(object):
    def __init__(self, changes):
        self.changes = changes
        self.desk = changes.desk
        self.client = changes.client

    def run(self, subscription_id, target, mpn=None, max_change=DEFAULT_MAX_CHANGE,
            dry_run=False, po_number=None):
        target = checks.positive_int("target_quantity", target, 0)
        max_change = checks.positive_int("max_change", max_change, 0)
        sub = self.desk.subscription(subscription_id)
        sub.setdefault("id", str(subscription_id))
        out = {"decision": None, "reason": None, "subscriptionId": str(subscription_id),
               "mpn": mpn, "current_quantity": None, "target_quantity": target,
               "change": None, "scheduledOn": None, "estimate": None, "order": None,
               "dry_run": bool(dry_run)}
        if sub.get("status") != "active":
            return self.refuse(out, "subscription %s is %s; only active subscriptions are "
                               "trued up" % (subscription_id, sub.get("status")))
        product = self.product(sub, mpn, out)
        if product is None:
            return out  # refused
        try:
            current = int(product.get("quantity"))
        except (TypeError, ValueError):
            current = None
        if current is None:
            return self.refuse(out, "subscription %s does not report the quantity of %s"
                               % (subscription_id, product.get("mpn")))
        change = target - current
        out.update(mpn=product.get("mpn"), current_quantity=current, change=change)
        term = nce.term_of(sub)
        out["term"] = term
        if change == 0:
            return self.decide(out, "no_change", "%s already has %d seats"
                               % (product.get("mpn"), current))
        if abs(change) > max_change:
            return self.refuse(out, "changing %s by %+d seats exceeds max_change=%d; check "
                               "the count, or run with a larger max_change"
                               % (product.get("mpn"), change, max_change))
        blocking = self.desk.open_change_order(subscription_id)
        if blocking is not None:
            pending = self.pending_total(blocking, subscription_id, product)
            out["open_order"] = blocking
            if pending == target:
                return self.decide(out, "no_change", "open change order %s (status %s) "
                                   "already sets %s to %d seats" % (
                                       blocking.get("orderNumber"), blocking.get("status"),
                                       product.get("mpn"), target))
            return self.refuse(out, "change order %s for subscription %s is still %s; the "
                               "API refuses another change until it completes or is cancelled"
                               % (blocking.get("orderNumber"), subscription_id,
                                  blocking.get("status")))
        if change > 0:
            self.decide(out, "increase_now", "adds %d seats now; increases are allowed at any "
                        "time" % change)
        elif term["reductionAllowedNow"]:
            self.decide(out, "decrease_now", (
                "removes %d seats now: inside the NCE cancellation window (until %s)"
                % (-change, term["windowEnds"])) if term["nce"] else (
                "removes %d seats now: not an NCE subscription, so its term does not lock "
                "the seat count" % -change))
        else:
            out["scheduledOn"] = "renewal"
            self.decide(out, "decrease_at_renewal", (
                "removes %d seats at the renewal on %s: Microsoft NCE allows reductions only "
                "within 168 hours of the purchase or a renewal (this term started %s); the "
                "order stays open until then" % (-change, term["renewalDate"],
                                                 term["termStart"])))
        body = nce.change_body(sub, product, target, po_number, out["scheduledOn"])
        if dry_run:
            body = self.desk.prepare(body)
            out["poNumber"] = body["poNumber"]
            out["estimate"] = self.client.expect(
                "object", self.client.post("/orders/estimate", body, idempotent=True,
                                           read=True),
                "/orders/estimate", "POST", what="estimate")
            return out
        placed = self.desk.place(body, dry_run=False, check_conflicts=False)
        out.update(order=placed["order"], poNumber=placed["poNumber"],
                   reconciled=placed.get("reconciled", False))
        return out

    def product(self, sub, mpn, out):
        lines = nce.product_lines(sub, mpn)
        every = nce.product_lines(sub)
        names = ", ".join(str(p.get("mpn")) for p in every) or "none"
        if len(lines) == 1:
            return lines[0]
        if not lines:
            self.refuse(out, "subscription %s has no product %s (it has: %s)"
                        % (sub["id"], mpn, names) if mpn else
                        "subscription %s has no products" % sub["id"])
        elif mpn:
            self.refuse(out, "mpn %s matches %d product lines of subscription %s; the "
                        "match is ambiguous, so nothing is changed" % (mpn, len(lines),
                                                                       sub["id"]))
        else:
            self.refuse(out, "subscription %s has %d product lines (%s); give mpn to say "
                        "which one to true up" % (sub["id"], len(lines), names))
        return None

    def pending_total(self, order_row, subscription_id, product):
        """The total the open change order sets the product to, when it says (list rows
        have no products, so its detail is read)."""
        path = self.client.path("/orders/{orderId}", orderId=order_row.get("id"))
        try:
            detail = expect_object(self.client.get(path), "order", path)
        except IngramMicroError:
            return None  # unknown: the open order is refused as any other
        if detail.get("planId") is not None:
            return None  # a plan switch, not a seat count
        for line in detail.get("products") or []:
            if isinstance(line, dict) and str(line.get("subscriptionId") or subscription_id) \
                    == str(subscription_id) and line.get("mpn") == product.get("mpn"):
                return line.get("quantity")
        return None

    @staticmethod
    def decide(out, decision, reason):
        out.update(decision=decision, reason=reason)
        return out

    @staticmethod
    def refuse(out, reason):
        out.update(decision="refused", reason=reason)
        raise ActionFailed(REFUSED, reason, out)
