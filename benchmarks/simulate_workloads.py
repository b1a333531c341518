"""The event logs `simulate_bench.py` runs the demo company (journeys/) over: seeded, one per workload.

Each workload is traffic the demo company would see, written as its sources send it (Segment's spec): the site's
analytics.js calls carry an anonymousId beside the userId, a messageId, a millisecond timestamp and a context
(library, locale, time zone, user agent); the store's backend and the warehouse send whole-second timestamps and
the userId alone. Customers' activity is skewed (budgets from a Pareto draw, scaled to the log's size).

- mixed: the benchmark's original log (every customer identified first, then visits, orders and their shipping,
  reviews, tickets and one-time passwords over 60 days), bare calls without messageId or context.
- send_heavy: a month of e-commerce traffic where about a quarter of the calls lead to a send: big carts that
  `cart_recovery` rescues with CART10 by text, orders shipped and delivered (texts and pushes), review requests
  three days later, one-time passwords, poor reviews and their apologies, and win-backs of customers whose last
  order (in the log's first weeks) falls out of the 90 days during the month.
- segment_heavy: three months of browsing in bursts by customers who mostly look at dresses, with orders of
  several products: `dress_enthusiasts` ("at least 3 dress views in the last 30 days and a dress ordered") is
  entered and left again and again as views fall out of its window, each entry a `new_arrivals_dresses` email.
- waiting_runs: a week in which most customers have a journey waiting (a review request, a welcome offer, a
  win-back's reminder, a cart's second reminder) while they browse, start checkouts and order: the calls mostly
  reach customers whose runs wait (goals, exits, waits for an order), few start a send.
- few_events: many customers with a call or three each, as a site sees them: anonymous visitors who look at a
  page or a product and leave, some who sign up then (their anonymous visit merged into their account), and
  known customers back for one thing (a one-time password, a delivery).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

DAY = 86400
START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()
ZONES = ["America/New_York"] * 5 + ["America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Paris",
                                    "Asia/Tokyo", "Australia/Sydney"]  # fmt: skip
CATEGORIES = ["dresses", "tops", "trousers", "knitwear", "shoes", "accessories"]
CARRIERS = ["UPS", "USPS", "FedEx"]
FIRST_NAMES = ["Ada", "Bo", "Cy", "Di", "Maya", "Noor", "Sam", "Theo"]
WEB = {"name": "analytics.js", "version": "next-1.53.0"}
SERVER = {"context": {"library": {"name": "analytics-python", "version": "2.3.2"}}}
AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Safari/537.36"]  # fmt: skip

Call = tuple[float, dict[str, Any]]  # (time, the call without its timestamp)


class Shopper:
    """One customer's calls, written as the site (`web`) or the backend (`server`) sends them."""

    def __init__(self, rng: random.Random, n: int, *, stamped: bool = True) -> None:
        self.rng, self.n, self.stamped = rng, n, stamped
        self.user = f"u{n:07d}"
        self.anonymous = f"{rng.getrandbits(64):016x}"
        self.zone = rng.choice(ZONES)
        self.favourite = rng.choice(CATEGORIES)
        self.calls: list[Call] = []
        self.orders = 0
        self.context = {"library": WEB, "locale": "en-US", "timezone": self.zone, "userAgent": rng.choice(AGENTS)}

    def web(self, at: float, call: dict[str, Any], *, known: bool = True) -> None:
        """A call from analytics.js: the anonymousId always, the userId once the visitor is known."""
        call = {"type": call.pop("type"), "userId": self.user if known else None, "anonymousId": self.anonymous,
                **call}  # fmt: skip
        if self.stamped:  # (`_milliseconds`: write_log gives the timestamp its fraction of a second)
            call |= {"messageId": self._message_id(), "context": self.context, "_milliseconds": True}
        self.calls.append((at, call))

    def server(self, at: float, call: dict[str, Any]) -> None:
        call = {"type": call.pop("type"), "userId": self.user, **call}
        if self.stamped:
            call |= {"messageId": self._message_id(), **SERVER}
        self.calls.append((at, call))

    def _message_id(self) -> str:
        bits = f"{self.rng.getrandbits(128):032x}"
        return f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"

    def traits(self, *, web: bool = False) -> dict[str, Any]:
        """Who the customer is: name, time zone, addresses and consents present or given at realistic rates (the
        site writes the first name as analytics.js does, `firstName`)."""
        rng, n = self.rng, self.n
        traits: dict[str, Any] = {
            ("firstName" if web else "first_name"): rng.choice(FIRST_NAMES),
            "timezone": self.zone,
        }
        if rng.random() < 0.9:
            traits |= {"email": f"{self.user}@example.com", "email_opt_in": rng.random() < 0.75}
        if rng.random() < 0.7:
            traits |= {"phone": f"+1555{n:07d}", "sms_opt_in": rng.random() < 0.6}
        if rng.random() < 0.5:
            traits |= {"push_token": f"tok-{n}", "push_enabled": rng.random() < 0.6}
        if rng.random() < 0.3:
            traits["tier"] = rng.choice(["bronze", "silver", "gold"])
        return traits

    def track(self, at: float, event: str, properties: dict[str, Any], *, web: bool = True, known: bool = True) -> None:
        call = {"type": "track", "event": event, "properties": properties}
        self.web(at, call, known=known) if web else self.server(at, call)

    def product(self, category: str | None = None) -> dict[str, Any]:
        rng = self.rng
        category = category or (self.favourite if rng.random() < 0.6 else rng.choice(CATEGORIES))
        number = rng.randint(1, 500)
        return {"product_id": f"p-{number}", "sku": f"LW-{category[:3].upper()}-{number:04d}", "category": category,
                "name": f"{category.title()} no. {number}", "price": rng.choice([29.0, 59.0, 89.0, 129.0, 168.0])}  # fmt: skip

    def browse(self, at: float, views: int, category: str | None = None, *, known: bool = True) -> float:
        """A visit: product views a few minutes apart; the time of the last."""
        for _ in range(views):
            at += self.rng.randint(20, 300) + self.rng.random()
            product = self.product(category)
            self.track(at, "Product Viewed", {**product, "currency": "USD",
                       "url": f"https://www.loomwell.example/p/{product['product_id']}"}, known=known)  # fmt: skip
        return at

    def checkout(self, at: float, value: float, items: int = 1) -> tuple[str, list[dict[str, Any]]]:
        self.orders += 1
        order = f"o-{self.n}-{self.orders}"
        products = [{**self.product(), "quantity": 1} for _ in range(items)]
        self.track(at, "Checkout Started", {"order_id": order, "value": value, "currency": "USD", "products": products})
        return order, products

    def order(self, at: float, order: str, value: float, products: list[dict[str, Any]], *, shipped: bool = True,
              review: float = 0.0) -> float:  # fmt: skip
        """The store's Order Completed, then the warehouse's Order Shipped and Order Delivered, and (with the
        chance `review`) a review some days later (its rating as text, as Segment's spec types it)."""
        rng = self.rng
        self.track(at, "Order Completed", {"order_id": order, "total": value, "revenue": round(value / 1.08, 2),
                   "currency": "USD", "products": products}, web=False)  # fmt: skip
        if not shipped:
            return at
        parcel = self.parcel(order)
        shipped_at = at + rng.randint(6, 40) * 3600
        self.track(shipped_at, "Order Shipped", dict(parcel), web=False)
        delivered = shipped_at + rng.randint(1, 4) * DAY + rng.randint(0, 8) * 3600
        self.track(delivered, "Order Delivered", dict(parcel), web=False)
        if rng.random() < review:
            rating = rng.choices(["1", "2", "3", "4", "5"], weights=[7, 7, 10, 30, 46])[0]
            self.track(delivered + rng.randint(2, 9) * DAY, "Product Reviewed",
                       {"product_id": products[0]["product_id"], "rating": rating})  # fmt: skip
        return delivered

    def parcel(self, order: str) -> dict[str, Any]:
        """What the warehouse's Order Shipped and Order Delivered say of an order's parcel."""
        return {
            "order_id": order,
            "carrier": self.rng.choice(CARRIERS),
            "tracking_url": f"https://track.example/{order}",
        }

    def otp(self, at: float) -> None:
        self.track(at, "OTP Requested", {"code": f"{self.rng.randint(0, 999_999):06d}"}, web=False)


def _big_cart(rng: random.Random) -> float:
    return rng.choice([45.0, 80.0, 120.0, 150.0, 180.0, 240.0, 320.0])


# ---------------------------------------------------------------- the workloads: one customer's calls each


def mixed(rng: random.Random, n: int, budget: int, days: int) -> list[Call]:
    """The benchmark's original log (see the module's docstring); the same calls it always generated."""
    user = f"u{n:07d}"
    first = START + rng.random() * days * DAY * 0.8
    new = rng.random() < 0.3
    traits: dict[str, Any] = {"timezone": rng.choice(ZONES), "first_name": rng.choice(["Ada", "Bo", "Cy", "Di"])}
    if rng.random() < 0.9:
        traits |= {"email": f"{user}@example.com", "email_opt_in": rng.random() < 0.7}
    if rng.random() < 0.6:
        traits |= {"phone": f"+1555{n:07d}", "sms_opt_in": rng.random() < 0.5}
    if rng.random() < 0.5:
        traits |= {"push_token": f"tok-{n}", "push_enabled": rng.random() < 0.6}
    out: list[Call] = [(first, {"type": "identify", "userId": user, "traits": traits})]

    def track(at: float, event: str, **properties: Any) -> None:
        out.append((at, {"type": "track", "userId": user, "event": event, "properties": properties}))

    if new:
        track(first + 30, "Signed Up", method=rng.choice(["email", "google"]))
    favourite = rng.choice(CATEGORIES)
    orders = 0
    while len(out) < budget:
        at = first + rng.random() * (START + days * DAY - first)
        category = favourite if rng.random() < 0.6 else rng.choice(CATEGORIES)
        for _ in range(rng.randint(1, 4)):
            at += rng.randint(20, 300)
            track(at, "Product Viewed", product_id=f"p-{rng.randint(1, 500)}", category=category,
                  price=rng.choice([29.0, 59.0, 89.0, 129.0]))  # fmt: skip
        roll = rng.random()
        if roll < 0.08:
            track(at + 60, "OTP Requested", code=f"{rng.randint(0, 999_999):06d}")
        elif roll < 0.11:
            track(at + 60, "Ticket Opened", ticket_id=f"t-{n}-{orders}", subject="Where is my order?")
        elif roll < 0.13:
            out.append((at + 60, {"type": "identify", "userId": user, "traits": {"sms_opt_in": rng.random() < 0.5}}))
        if rng.random() < 0.3:
            orders += 1
            order = f"o-{n}-{orders}"
            value = rng.choice([35.0, 60.0, 95.0, 140.0, 220.0])
            at += rng.randint(60, 900)
            track(at, "Checkout Started", order_id=order, value=value)
            if rng.random() < 0.65:
                at += rng.randint(60, 3 * 3600)
                products = [{"product_id": f"p-{rng.randint(1, 500)}", "category": category, "price": value}]
                track(at, "Order Completed", order_id=order, total=value, products=products)
                parcel = {"order_id": order, "carrier": rng.choice(CARRIERS),
                          "tracking_url": f"https://track.example/{order}"}  # fmt: skip
                shipped = at + rng.randint(6, 40) * 3600
                track(shipped, "Order Shipped", **parcel)
                delivered = shipped + rng.randint(1, 4) * DAY + rng.randint(0, 8) * 3600
                track(delivered, "Order Delivered", **parcel)
                if rng.random() < 0.3:
                    rating = rng.choices([1, 2, 3, 4, 5], weights=[6, 6, 10, 30, 48])[0]
                    track(delivered + rng.randint(2, 9) * DAY, "Product Reviewed", product_id=products[0]["product_id"],
                          rating=rating)  # fmt: skip
    return out


def send_heavy(rng: random.Random, n: int, budget: int, days: int) -> list[Call]:
    shopper = Shopper(rng, n)
    first = START + rng.random() * days * DAY * 0.5
    if rng.random() < 0.35:  # ordered before: the last order falls out of `lapsed_customers`' 90 days this month
        last = START - rng.uniform(62, 88) * DAY
        shopper.server(last - 600, {"type": "identify", "traits": shopper.traits()})
        shopper.order(last, f"o-{n}-past", 95.0, [shopper.product()], shipped=False)
    else:
        shopper.server(first, {"type": "identify", "traits": shopper.traits()})
    if len(shopper.calls) == 1 and rng.random() < 0.25:  # (new this month)
        shopper.track(first + 30, "Signed Up", {"type": "organic"})
    while len(shopper.calls) < budget:
        at = shopper.browse(first + rng.random() * (START + days * DAY - first), rng.randint(1, 3))
        if rng.random() < 0.1:
            shopper.otp(at + 45)
        if rng.random() < 0.5:
            value = _big_cart(rng)
            order, products = shopper.checkout(at + rng.randint(60, 600), value)
            if rng.random() < 0.45:
                shopper.order(at + rng.randint(900, 3 * 3600), order, value, products, review=0.35)
    return shopper.calls


def segment_heavy(rng: random.Random, n: int, budget: int, days: int) -> list[Call]:
    shopper = Shopper(rng, n)
    if rng.random() < 0.7:
        shopper.favourite = "dresses"
    at = START + rng.random() * 20 * DAY
    if rng.random() < 0.5:  # an order of the past months (lapsed at some point of the log, unless they order again)
        past = START - rng.uniform(0, 80) * DAY
        shopper.server(past - 600, {"type": "identify", "traits": shopper.traits()})
        shopper.order(past, f"o-{n}-past", 120.0, [shopper.product("dresses")], shipped=False)
    else:
        shopper.server(at, {"type": "identify", "traits": shopper.traits()})
    while len(shopper.calls) < budget:
        # Bursts of interest: a few visits days apart, then a pause long enough for views to leave the 30 days.
        at += rng.uniform(0.5, 4) * DAY if rng.random() < 0.8 else rng.uniform(25, 45) * DAY
        if at > START + days * DAY:
            at = START + rng.random() * days * DAY
        visit = shopper.browse(at, rng.randint(2, 6))
        if rng.random() < 0.2:
            items = rng.randint(1, 4)
            value = float(sum(rng.choice([59, 89, 129]) for _ in range(items)))
            order, products = shopper.checkout(visit + 120, value, items)
            shopper.order(visit + rng.randint(300, 3600), order, value, products, review=0.2)
    return shopper.calls


def waiting_runs(rng: random.Random, n: int, budget: int, days: int) -> list[Call]:
    """Most customers have a journey waiting through the week (a review request for three days, a welcome offer for
    two, a win-back's reminder for five, a cart's second reminder for one) while they come back to browse, start
    checkouts (one cart recovery a week each: the rest are turned away by its entry rule) and order (the goals and
    the win-back's wait for an order end runs): the calls mostly reach customers whose runs wait, few start a send."""
    shopper = Shopper(rng, n)
    start = START + rng.random() * DAY
    shopper.server(start, {"type": "identify", "traits": shopper.traits()})
    if rng.random() < 0.3:  # its last order leaves the 90 days during the week: a win-back waits for an order
        shopper.order(start - (90 - rng.uniform(0, days)) * DAY, f"o-{n}-past", 75.0, [shopper.product()],
                      shipped=False)  # fmt: skip
    if rng.random() < 0.3:  # a new account: the welcome offer waits two days
        shopper.track(start + 40, "Signed Up", {"type": "organic"})
    if rng.random() < 0.5:  # an earlier order arrives: a review request waits three days
        shopper.orders += 1
        shopper.track(start + rng.random() * days * DAY, "Order Delivered", shopper.parcel(f"o-{n}-{shopper.orders}"),
                      web=False)  # fmt: skip
    while len(shopper.calls) < budget:
        at = shopper.browse(START + rng.random() * days * DAY, rng.randint(1, 3))
        roll = rng.random()
        if roll < 0.12:  # a cart left behind (a reminder in an hour, then a day later, for the week's first)
            shopper.checkout(at + rng.randint(60, 600), _big_cart(rng), rng.randint(1, 2))
        elif roll < 0.17:  # an order (not shipped within the week): goals reached, a win-back's wait ends
            value = _big_cart(rng)
            order, products = shopper.checkout(at + rng.randint(60, 600), value)
            shopper.order(at + rng.randint(900, 3600), order, value, products, shipped=False)
    return shopper.calls


def few_events(rng: random.Random, n: int, budget: int, days: int) -> list[Call]:
    shopper = Shopper(rng, n)
    at = START + rng.random() * days * DAY
    roll = rng.random()
    if roll < 0.55:  # a visitor: a page, a product or two, maybe an account at the end
        shopper.web(at, {"type": "page", "name": "Home", "properties": {"path": "/", "title": "Loomwell"}},
                    known=False)  # fmt: skip
        at = shopper.browse(at, min(2, max(1, budget - 1)), known=False)
        if rng.random() < 0.3:
            shopper.web(at + 90, {"type": "identify", "traits": shopper.traits(web=True)})
            shopper.track(at + 91, "Signed Up", {"type": "organic"})
    else:  # a known customer, back for one or two things
        shopper.server(at, {"type": "identify", "traits": shopper.traits()})
        while len(shopper.calls) < budget:
            at += rng.uniform(0.1, 3) * DAY
            kind = rng.random()
            if kind < 0.35:
                shopper.otp(at)
            elif kind < 0.6:
                shopper.track(at, "Order Delivered", shopper.parcel(f"o-{n}-{len(shopper.calls)}"), web=False)
            else:
                shopper.browse(at, 1)
    return shopper.calls


@dataclass(frozen=True)
class Workload:
    name: str
    generate: Callable[[random.Random, int, int, int], list[Call]]
    events: int  # default size
    customers: int
    days: int  # the log's span from START (calls dated before START, a customer's past, come first)
    what: str


WORKLOADS = {w.name: w for w in [
    Workload("send_heavy", send_heavy, 300_000, 30_000, 30, "a month of e-commerce, a quarter of calls lead to a send"),
    Workload("segment_heavy", segment_heavy, 300_000, 20_000, 90, "dress views in bursts: segments in and out"),
    Workload("waiting_runs", waiting_runs, 300_000, 40_000, 7, "a week of calls to customers whose runs wait"),
    Workload("few_events", few_events, 300_000, 130_000, 30, "visitors and customers with one to three calls"),
    Workload("mixed", mixed, 300_000, 30_000, 60, "the benchmark's original log"),
]}  # fmt: skip


def end_of(workload: Workload) -> float:
    """The end of a workload's log: `--until` (runs still waiting then are the active ones)."""
    return START + workload.days * DAY


def write_log(path: Path, workload: Workload, events: int, customers: int, seed: int) -> int:
    """Write about `events` calls of `customers` customers, sorted by time; returns the number written."""
    rng = random.Random(seed)
    # Activity is skewed: a few customers do much more than most (budgets from a Pareto draw, scaled to `events`).
    weights = [rng.paretovariate(1.8) for _ in range(customers)]
    scale = (events - customers) / sum(weights)
    end = end_of(workload)
    rows: list[tuple[float, str]] = []
    later: list[int] = []  # rows that may be dropped to hit `events` exactly: all but each customer's first call
    for n, weight in enumerate(weights):
        calls = workload.generate(rng, n, 1 + max(1, round(weight * scale)), workload.days)
        for k, (at, call) in enumerate(calls):
            if at < end:
                call["timestamp"] = _iso(at, call.pop("_milliseconds", False))
                if k:
                    later.append(len(rows))
                rows.append((at, orjson.dumps(call).decode()))  # (compact, as json.dumps with separators)
    if len(rows) > events:  # visits overshoot the budgets a little: drop the excess at random, not the log's end
        drop = set(rng.sample(later, min(len(later), len(rows) - events)))
        rows = [row for n, row in enumerate(rows) if n not in drop]
    rows.sort(key=lambda row: row[0])
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for _, line in rows)
    return len(rows)


def _iso(seconds: float, milliseconds: bool) -> str:
    moment = dt.datetime.fromtimestamp(int(seconds), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{moment}.{int(seconds % 1 * 1000):03d}Z" if milliseconds else f"{moment}Z"
