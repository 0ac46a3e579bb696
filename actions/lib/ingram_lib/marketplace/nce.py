"""Subscription changes that respect the term a subscription is in.

Microsoft's New Commerce Experience (NCE) rule -- Microsoft's, applied by the platform to
every NCE licence: seats can be removed, or the subscription cancelled, only within the
cancellation window, the first 168 hours (7 days) after the purchase or a renewal. Later a
reduction or cancellation can only be scheduled for the renewal (``scheduledOn:
"renewal"``; the order then carries the target total). Increases are accepted at any time.

The API does not say which subscriptions are NCE, nor when their term began; both are read
from what it does say:

- NCE: a Microsoft product whose MPN has the NCE form ``<12 characters>:<4 digits>``
  (product id and SKU id, e.g. ``CFQ7TTC0LH18:0001``; legacy CSP offers are GUIDs) and that
  is not rated from usage (an Azure plan has no seats);
- the term began on the later of ``creationDate`` and ``renewalDate`` less one
  ``subscriptionPeriod``. Dates carry no time, so the window is taken to close 168 hours
  after 00:00 UTC of that day: at most a day early, never late.

Every order here goes through ``OrderDesk.place``: sent once, reconciled by poNumber.
"""

import calendar
import datetime
import re
import time

from ..core import checks
from ..core.errors import ActionFailed, ParameterError
from ..core.times import iso_utc, parse_datetime
from .orders import OrderDesk

WINDOW_SECONDS = 168 * 3600
NCE_MPN = re.compile(r"^[A-Z0-9]{12}:[0-9]{4}$", re.IGNORECASE)
PERIOD_TYPES = ("day", "month", "year")
START_TYPES = ("FROM_DATE_OF_UPGRADE", "FROM_OLD_START_DATE")
CHANGE_NOT_ALLOWED = "change_not_allowed"


def now():
    # Looked up on each call (not bound at import) so the wall clock can be pinned.
    return time.time()


# -- terms ----------------------------------------------------------------------------------------

def _date(text):
    when = parse_datetime(text) if isinstance(text, str) else None
    return when.date() if when is not None else None


def _minus_period(day, period):
    kind = (period or {}).get("type")
    try:
        count = int((period or {}).get("duration") or 1)
    except (TypeError, ValueError):
        return None
    if kind == "day":
        return day - datetime.timedelta(days=count)
    if kind not in ("month", "year"):
        return None
    months = count * (12 if kind == "year" else 1)
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def is_nce(sub):
    if sub.get("billingModel") == "chargeExternalRating":
        return False
    for item in sub.get("products") or []:
        if isinstance(item, dict) and str(item.get("vendor") or "").lower() == "microsoft" \
                and NCE_MPN.match(str(item.get("mpn") or "")):
            return True
    return False


def term_of(sub, at=None):
    """The current term of a subscription as far as its dates tell, and whether a seat
    reduction or cancellation is allowed now."""
    at = now() if at is None else at
    created = _date(sub.get("creationDate"))
    renews = _date(sub.get("renewalDate") or sub.get("expirationDate"))
    start = _minus_period(renews, sub.get("subscriptionPeriod")) if renews else None
    if created is not None and (start is None or start < created):
        start = created
    out = {"nce": is_nce(sub), "subscriptionPeriod": sub.get("subscriptionPeriod"),
           "termStart": start.isoformat() if start else None,
           "renewalDate": renews.isoformat() if renews else None,
           "windowEnds": None, "inWindow": None}
    if start is not None:
        ends = calendar.timegm(start.timetuple()) + WINDOW_SECONDS
        out["windowEnds"] = iso_utc(ends)
        out["inWindow"] = at < ends
    # Unknown dates on an NCE subscription: assume the window closed; the API decides.
    out["reductionAllowedNow"] = not out["nce"] or bool(out["inWindow"])
    return out


def locked_reason(sub, term, what):
    return ("%s of subscription %s is not allowed now: it is a Microsoft NCE subscription, "
            "and Microsoft allows seat reductions and cancellations only within 168 hours "
            "(7 days) of the purchase or a renewal; this term started %s and the window "
            "closed %s. %s" % (what, sub.get("id"), term["termStart"] or "(unknown)",
                               term["windowEnds"] or "(unknown)",
                               "Schedule it for the renewal on %s instead" %
                               (term["renewalDate"] or "(unknown)")))


def refuse(message, **data):
    raise ActionFailed(CHANGE_NOT_ALLOWED, message, data)


# -- lines ----------------------------------------------------------------------------------------

def product_lines(sub, mpn=None):
    lines = [p for p in sub.get("products") or [] if isinstance(p, dict)]
    if mpn:
        lines = [p for p in lines if str(p.get("mpn") or "").lower() == str(mpn).lower()]
    return lines


def change_line(sub, product, quantity):
    return checks.compact({
        "subscriptionId": str(sub["id"]), "mpn": product.get("mpn"), "id": product.get("id"),
        "vendor": product.get("vendor"), "quantity": int(quantity),
        "billingPeriod": sub.get("billingPeriod"),
        "subscriptionPeriod": sub.get("subscriptionPeriod")})


def change_body(sub, product, quantity, po_number=None, scheduled_on=None):
    body = {"type": "change", "customerId": sub["customerId"], "poNumber": po_number,
            "subscriptionId": str(sub["id"]), "products": [change_line(sub, product, quantity)]}
    if scheduled_on:
        body["scheduledOn"] = scheduled_on
    return body


def period_param(name, value):
    """A ``{type, duration}`` period parameter, checked."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in PERIOD_TYPES:
        raise ParameterError(name, "must be {\"type\": \"year\", \"duration\": 1} with type "
                             "one of %s" % ", ".join(PERIOD_TYPES))
    unknown = set(value) - {"type", "duration"}
    if unknown:
        raise ParameterError(name, "unknown field(s) %s; only type and duration"
                             % ", ".join(sorted(unknown)))
    return {"type": value["type"],
            "duration": checks.positive_int(name, value.get("duration", 1), 1, 100)}


def same_period(a, b):
    try:
        return a.get("type") == b.get("type") and int(a.get("duration")) == \
            int(b.get("duration"))
    except (AttributeError, TypeError, ValueError):
        return False


def period_text(period):
    if not isinstance(period, dict):
        return "?"
    return "%s %s" % (period.get("duration"), period.get("type"))


# -- the changes ----------------------------------------------------------------------------------

class SubscriptionChanges(object):
    """Quantity changes, cancellations and plan switches of one Marketplace account."""

    def __init__(self, client, config=None, desk=None):
        self.client = client
        self.desk = desk or OrderDesk(client, config)

    def active(self, subscription_id, doing):
        sub = self.desk.subscription(subscription_id)
        sub.setdefault("id", str(subscription_id))
        if sub.get("status") != "active":
            raise ParameterError("subscriptionId", "subscription %s is %s; only active "
                                 "subscriptions can %s" % (subscription_id, sub.get("status"),
                                                           doing))
        return sub

    def change_quantity(self, subscription_id, quantity, po_number=None, dry_run=False,
                        mpn=None, scheduled_on=None):
        checks.one_of("scheduledOn", scheduled_on, ("renewal",))
        sub = self.active(subscription_id, "change quantity")
        if not product_lines(sub):
            raise ParameterError("subscriptionId", "subscription %s has no products"
                                 % subscription_id)
        lines = product_lines(sub, mpn)
        if not lines:
            raise ParameterError("mpn", "subscription %s has no product %s"
                                 % (subscription_id, mpn))
        product = lines[0]
        current = product.get("quantity")
        if current is not None and int(current) == int(quantity):
            raise ParameterError("quantity", "subscription %s already has quantity %s"
                                 % (subscription_id, current))
        term = term_of(sub)
        if current is not None and int(quantity) < int(current) and not scheduled_on \
                and not term["reductionAllowedNow"]:
            what = "Reducing %s seats from %s to %s" % (product.get("mpn"), current, quantity)
            refuse(locked_reason(sub, term, what) +
                   " (run again with scheduledOn=renewal; the order then stays open until "
                   "the renewal and blocks other changes of the subscription).",
                   subscriptionId=str(subscription_id), current_quantity=int(current),
                   quantity=int(quantity), term=term)
        self.desk.refuse_if_change_open(subscription_id)
        body = change_body(sub, product, quantity, po_number, scheduled_on)
        result = self.desk.place(body, dry_run=dry_run, check_conflicts=False)
        result.update(previous_quantity=current, scheduledOn=scheduled_on, term=term)
        return result

    def cancel(self, subscription_id, po_number=None, dry_run=False, at_term_end=False):
        sub = self.desk.subscription(subscription_id)
        sub.setdefault("id", str(subscription_id))
        if sub.get("status") in ("terminated", "removed"):
            raise ParameterError("subscriptionId", "subscription %s is already %s"
                                 % (subscription_id, sub.get("status")))
        term = term_of(sub)
        if not at_term_end and not term["reductionAllowedNow"]:
            refuse(locked_reason(sub, term, "Cancelling now") +
                   " (run again with at_term_end=true: the subscription then ends at the "
                   "renewal).", subscriptionId=str(subscription_id), term=term)
        body = {"type": "cancellation", "customerId": sub["customerId"],
                "poNumber": po_number, "subscriptionId": str(subscription_id)}
        if at_term_end:
            body["scheduledOn"] = "renewal"
        result = self.desk.place(body, dry_run=dry_run)
        result.update(scheduledOn=body.get("scheduledOn"), term=term)
        return result

    # -- plan switches --------------------------------------------------------------------------

    def plan(self, plan_id):
        path = self.client.path("/plans/{planId}", planId=str(plan_id))
        return self.client.expect("object", self.client.get(path), path, "GET", ("id",),
                                  what="service plan")

    def allowed_switches(self, sub):
        if sub.get("planId") in (None, ""):
            return []
        plan = self.plan(sub["planId"])
        return [s for s in plan.get("planSwitches") or [] if isinstance(s, dict) and (
            not s.get("sourceSubscriptionPeriod") or
            same_period(s["sourceSubscriptionPeriod"], sub.get("subscriptionPeriod")))]

    def switch_plan(self, subscription_id, plan_id, period=None, start_type=None,
                    scheduled_on=None, po_number=None, dry_run=False):
        checks.required("planId", plan_id)
        checks.one_of("upgradeStartType", start_type, START_TYPES)
        checks.one_of("scheduledOn", scheduled_on, ("renewal",))
        period = period_param("subscriptionPeriod", period)
        target = checks.positive_int("planId", plan_id, 0)
        sub = self.active(subscription_id, "switch plans")
        products = product_lines(sub)
        if not products:
            raise ParameterError("subscriptionId", "subscription %s has no products"
                                 % subscription_id)
        switches = self.allowed_switches(sub)
        fitting = [s for s in switches if str(s.get("planId")) == str(target) and (
            period is None or same_period(s.get("subscriptionPeriod"), period))]
        if not fitting:
            allowed = ["plan %s, %s term (%s)" % (s.get("planId"),
                                                  period_text(s.get("subscriptionPeriod")),
                                                  s.get("whenEffective") or "?")
                       for s in switches]
            refuse("subscription %s (plan %s, %s term) cannot switch to plan %s%s: its plan "
                   "allows %s" % (subscription_id, sub.get("planId"),
                                  period_text(sub.get("subscriptionPeriod")), target,
                                  ", %s term" % period_text(period) if period else "",
                                  "; ".join(allowed) if allowed else "no switches"),
                   subscriptionId=str(subscription_id), planId=sub.get("planId"),
                   allowed_switches=switches)
        if len(fitting) > 1:
            raise ParameterError("subscriptionPeriod", "plan %s can be reached with several "
                                 "terms (%s); give subscriptionPeriod" % (target, ", ".join(
                                     period_text(s.get("subscriptionPeriod"))
                                     for s in fitting)))
        rule = fitting[0]
        product = products[0]
        # The line names the subscription and its product as they are; the order's own
        # planId and subscriptionPeriod say where it goes.
        line = checks.compact({"subscriptionId": str(sub["id"]), "mpn": product.get("mpn"),
                               "id": product.get("id"), "vendor": product.get("vendor"),
                               "quantity": product.get("quantity")})
        body = {"type": "change", "customerId": sub["customerId"], "poNumber": po_number,
                "subscriptionId": str(sub["id"]), "products": [line]}
        body.update(checks.compact({
            "planId": target, "subscriptionPeriod": rule.get("subscriptionPeriod"),
            "upgradeStartType": start_type, "scheduledOn": scheduled_on}))
        result = self.desk.place(body, dry_run=dry_run)
        result.update(switch=rule, previous_planId=sub.get("planId"),
                      scheduledOn=scheduled_on)
        return result
