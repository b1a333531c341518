"""A seeded, realistic journeyc project for the benchmark: a shared tracking plan, profile, channels, policy,
50 segments and 24 offers, then journey files (1-3 journeys each, with their messages) to make up the file count.

Every file is different (events, conditions, steps and texts are drawn from a seeded random generator), and the
project checks clean. Used by check_bench.py; `generate(root, files)` writes it and returns the texts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240601
STEPS_MIN, STEPS_MAX = 2, 3  # top-level steps per journey: sets the project's size (~50 lines a file)
TEAMS = ("growth", "retention", "lifecycle", "product", "support", "billing", "loyalty")
CATEGORIES = ("transactional", "lifecycle", "promotional", "product_news", "service")
STAGES = ("Awareness", "Activation", "Purchase", "Retention", '"Win back"', '"Post purchase"')
TOPICS = ("cart_rescue", "welcome", "winback", "upsell", "renewal", "review_ask", "onboarding", "reactivation",
          "loyalty", "trial", "payment")  # fmt: skip
WORDS = ("dresses", "shoes", "bags", "outdoor", "kitchen", "books", "ads", "email", "organic", "referral")
EVENT_NAMES = (
    "Product Viewed", "Product Added", "Product Reviewed", "Cart Viewed", "Checkout Started", "Order Completed",
    "Order Cancelled", "Order Refunded", "Order Shipped", "Order Delivered", "Subscription Started",
    "Subscription Renewed", "Subscription Cancelled", "Trial Started", "Trial Ended", "Account Created",
    "Account Verified", "Session Started", "Ticket Opened", "Ticket Resolved", "Coupon Applied", "Wishlist Added",
    "Search Performed", "Payment Failed", "Payment Succeeded", "Plan Upgraded", "Plan Downgraded", "Feature Used",
    "Invite Sent", "Invite Accepted", "Referral Completed", "Return Requested", "Points Earned", "Reward Redeemed",
    "App Installed", "App Opened", "Survey Completed", "Newsletter Subscribed", "Price Dropped", "Review Requested",
)  # fmt: skip
SEGMENT_NAMES = tuple(f"{a}_{n}" for a in ("frequent", "lapsed", "new", "loyal", "high_value", "bargain", "mobile",
    "dormant", "engaged", "at_risk") for n in ("buyers", "browsers", "members", "fans", "pros"))  # fmt: skip
PROFILE_TESTS = (
    'profile.tier is one of "silver", "gold"', 'profile.tier == "gold"', "profile.email_opt_in", "profile.phone is set",
    "profile.lifetime_value >= 250", "profile.orders_count > 2", 'profile.country == "US"', 'profile.country != "US"',
    'profile.language is not "de"', "profile.first_name is set", 'profile.timezone == "Europe/Paris"',
)  # fmt: skip
SUBJECTS = ("Still thinking it over", "A little something for you", "We saved your spot", "Your weekly picks",
            "Thanks for being here", "Don't miss out", "Quick question", "Good news")  # fmt: skip
SENTENCES = ("We picked a few things we think you will like.", "Your account is all set up and ready to go.",
             "It has been a while, and a lot has changed since your last visit.", "Reply to this email if you need help.",
             "Members like you get early access to new arrivals.", "Tell us how we did: it takes one minute.")  # fmt: skip
CHANNEL = "channel {0} {{\n  kind {0}\n  owner growth\n  shared with {2}\n  address {1}\n  consent {0}_opt_in\n}}\n"
STATIC_FILES = {
    "shared/teams.journey": "".join(f'team {t} "{t.capitalize()} team"\n' for t in TEAMS),
    "shared/categories.journey": "".join(f'category {c} "{c.replace("_", " ")}"\n' for c in CATEGORIES),
    "shared/channels.journey": "".join(CHANNEL.format(kind, address, ", ".join(TEAMS[1:]))
                                       for kind, address in (("email", "email"), ("sms", "phone"), ("push", "push_token"))),
    "shared/profile.journey": """profile {
  email          string optional
  phone          string optional
  push_token     string optional
  first_name     string optional
  timezone       timezone default "America/New_York"
  tier           one of "bronze", "silver", "gold" default "bronze"
  country        string default "US"
  language       one of "en", "fr", "de" default "en"
  lifetime_value number default 0 "Revenue to date, in US dollars"
  orders_count   integer default 0
  email_opt_in   boolean default false
  sms_opt_in     boolean default false
  push_opt_in    boolean default false
}
""",
    "shared/policy.journey": f"""import "categories.journey"
import "channels.journey"
import "events.journey"

policy "House rules" {{
  priority {", ".join(CATEGORIES)}
  limit 3 messages per 7 days for promotional
  limit 1 message per day on sms
  quiet hours 21:00 to 08:00 on sms, push then defer
  suppress promotional for 14 days after "Product Reviewed" where rating <= 2
  exempt transactional from caps, quiet hours, suppression, consent
}}
""",
}  # fmt: skip
SHAPES = """shape catalog_item {
  sku      string
  category string optional
  price    number optional "Unit price"
}
shape line_item { sku string quantity integer }
shape postal_address { city string country string optional }
"""


UNSUBSCRIBE = "Unsubscribe: https://example.com/preferences"


@dataclass(frozen=True)
class Prop:
    name: str
    kind: str  # key, number, integer, string, enum, boolean, items, other
    decl: str
    values: tuple[str, ...] = ()


def _enum(name: str, *values: str) -> Prop:
    return Prop(name, "enum", "one of " + ", ".join(f'"{v}"' for v in values) + " optional", values)


POOL = (
    Prop("value", "number", "number optional"), Prop("total", "number", 'number optional "Total in US dollars"'),
    Prop("quantity", "integer", "integer optional"), Prop("rating", "integer", "integer optional"),
    Prop("points", "integer", "integer default 0"), Prop("coupon", "string", "string optional"),
    Prop("source", "string", 'string optional "Where the customer came from"'), Prop("category", "string", "string"),
    _enum("platform", "ios", "android", "web"), _enum("plan", "free", "pro", "team"),
    _enum("status", "new", "paid", "shipped", "cancelled"), Prop("is_first", "boolean", "boolean default false"),
    Prop("products", "items", "list of catalog_item optional"), Prop("lines", "items", "list of line_item optional"),
    Prop("shipping", "other", "postal_address optional"), Prop("occurred_at", "other", "datetime optional"),
    Prop("tags", "other", "list of string optional"), Prop("context", "other", "{ locale string optional } optional"),
)  # fmt: skip
FORCED = {"Product Reviewed": ("rating",), "Order Completed": ("total", "products"), "Checkout Started": ("value",)}


@dataclass
class World:
    rng: random.Random
    events: dict[str, list[Prop]] = field(default_factory=dict)
    segments: dict[str, str] = field(default_factory=dict)  # segment -> the file declaring it
    offers: list[str] = field(default_factory=list)

    def prop_test(self, props: list[Prop], prefix: str = "", scalar: bool = False) -> str:
        """One filter on a property: `value > 50`, `platform is one of "ios", "web"`, `any products where ...`."""
        usable = [p for p in props if p.kind not in ("key", "other") and not (scalar and p.kind == "items")]
        if not usable:
            return f"{prefix}{props[0].name} is set"
        r, p = self.rng, self.rng.choice(usable)
        name = prefix + p.name
        if p.kind in ("number", "integer"):
            return f"{name} {r.choice(('>', '>=', '<', '!='))} {r.choice((1, 2, 20, 50, 100, 250))}"
        if p.kind == "string":
            return r.choice((f'{name} == "{r.choice(WORDS)}"', f"{name} is set", f'{name} != "{r.choice(WORDS)}"'))
        if p.kind == "enum":
            a, b = r.sample(p.values, 2)
            return r.choice((f'{name} == "{a}"', f'{name} is one of "{a}", "{b}"', f'{name} is not "{b}"'))
        if p.kind == "boolean":
            return r.choice((name, f"{name} == true", f"not {name}"))
        inner = f'category == "{r.choice(WORDS)}"' if p.name == "products" else f"quantity > {r.randint(1, 4)}"
        return f"{r.choice(('any', 'all', 'no'))} {name} where {inner}"

    def behaviour(self, in_journey: bool) -> str:
        r = self.rng
        event = r.choice(EVENT_NAMES)
        props = self.events[event]
        numbers = [p.name for p in props if p.kind in ("number", "integer")]
        texts = [p for p in props if p.kind in ("string", "enum")]
        form = r.randrange(5)
        if form == 4 and texts:
            p = r.choice(texts)
            return f'last {p.name} of "{event}" == "{r.choice(p.values or WORDS)}"'
        if form == 3 and numbers:
            head = f'at least {r.choice((100, 250, 500))} total {r.choice(numbers)} of "{event}"'
        elif form == 2:
            head = f'{r.choice(("any", "no", "none"))} "{event}"'
        else:
            quantifier = r.choice(("at least", "at most", "exactly", "more than", "fewer than"))
            head = f'{quantifier} {r.randint(1, 5)} "{event}"'
        since = " since entry" if in_journey else " in last 1 week"
        head += r.choice(("", f" in last {r.choice((7, 14, 30, 90))} days", since))
        return f"({head} where {self.prop_test(props)})" if r.random() < 0.5 else head

    def condition(self, parts: int, trigger: list[Prop] | None = None, segments: list[str] | None = None) -> str:
        """Behaviour, profile, segment and trigger tests joined with `and` (the first two sometimes with `or`)."""
        r, out = self.rng, []
        segments = list(self.segments) if segments is None else segments
        for _ in range(parts):
            roll = r.random()
            if roll < 0.45:
                out.append(self.behaviour(trigger is not None))
            elif roll < 0.75 or (not segments and not trigger):
                out.append(r.choice(PROFILE_TESTS))
            elif segments and (roll < 0.9 or not trigger):
                out.append(f"{r.choice(('', 'not '))}in segment {r.choice(segments)}")
            else:
                test = self.prop_test(trigger or [], "trigger.")
                out.append(f"({test})" if " where " in test else test)
        if len(out) > 1 and r.random() < 0.3:
            out[:2] = [f"({out[0]} or {out[1]})"]
        return "\n  and ".join(out)


def make_world(rng: random.Random) -> World:
    world = World(rng)
    for name in EVENT_NAMES:
        noun = name.split()[0].lower().replace("checkout", "order")
        props = rng.sample(POOL, rng.randint(3, 7))
        props += [p for p in POOL if p.name in FORCED.get(name, ()) and p not in props]
        world.events[name] = [Prop(f"{noun}_id", "key", "string"), *props]
    return world


def shared_files(world: World) -> dict[str, str]:
    """The files every team shares: tracking plan, profile, channels, policy, 50 segments and 24 offers."""
    r, texts = world.rng, dict(STATIC_FILES)
    events = [SHAPES] + [
        f'event "{name}" {{\n  description "{name.lower()}, tracked by the web and app SDKs"\n'
        + "".join(f"  {p.name} {p.decl}\n" for p in props)
        + "}\n"
        for name, props in world.events.items()
    ]
    texts["shared/events.journey"] = "\n".join(events)
    segments = {"audiences/core.journey": ['import "../shared/events.journey"\n'],
                "audiences/derived.journey": ['import "../shared/events.journey"\nimport "core.journey"\n']}  # fmt: skip
    for i, name in enumerate(SEGMENT_NAMES):
        file = "audiences/core.journey" if i < len(SEGMENT_NAMES) // 2 else "audiences/derived.journey"
        cond = world.condition(r.randint(1, 3), segments=list(world.segments))
        about = '\n  description "Built by the data team"'
        segments[file].append(f'segment {name} "{name.replace("_", " ").capitalize()}" {{{about}\n  {cond}\n}}\n')
        world.segments[name] = file
    texts.update({file: "\n".join(parts) for file, parts in segments.items()})
    offers = []
    for i, pct in enumerate((5, 10, 15, 20, 25, 30) * 4):
        code = f"{('SAVE', 'CART', 'BACK', 'VIP')[i // 6]}{pct}"
        value = (f"{pct}% off", f"{pct} percent off", f"{pct} USD off")[i % 3]
        valid = f"valid for {r.choice((3, 7, 14))} days" if i % 4 else "valid until 2027-12-31"
        offers.append(f'offer {code} "{pct} off" {{\n  code "{code}"\n  value {value}\n  {valid}\n}}\n')
        world.offers.append(code)
    texts["shared/offers.journey"] = "\n".join(offers)
    return texts


@dataclass
class JourneyFile:
    """One journey file: its journeys, the messages they send and the shared files they need."""

    world: World
    out: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    tests: int = 0

    def message(self, journey: str, key: str | None) -> str:
        r = self.world.rng
        kind, name = r.choice(("email", "email", "sms", "push")), f"{journey}_m{len(self.sent) + 1}"
        ref = f" {{{{ trigger.{key} }}}}" if key and r.random() < 0.5 else ""
        ref += "{% if offer %} Code {{ offer.code }}.{% endif %}"  # shows an offer when it is sent with one
        hello, says = "{{ profile.first_name | default('there') }}", "\n".join(r.sample(SENTENCES, 2))
        fields = {
            "email": [f'subject "{r.choice(SUBJECTS)}, {hello}"', f'preheader "{r.choice(SUBJECTS)}"',
                      f'text """Hi {hello},\n\n{says}{ref}\n{UNSUBSCRIBE}"""' if r.random() < 0.4 else f'text "{r.choice(SENTENCES)}{ref} {UNSUBSCRIBE}"'],
            "sms": [f'text "{hello}: {r.choice(SENTENCES)}{ref} Reply STOP to opt out."'],
            "push": [f'title "{r.choice(SUBJECTS)}"', f'body "{r.choice(SENTENCES)}{ref}"',
                     f'link "https://example.com/app/{journey}"'],
        }[kind]  # fmt: skip
        if r.random() < 0.15:
            fields.append("category transactional")
        self.out.append(f"message {name} on {kind} {{\n" + "".join(f"  {f}\n" for f in fields) + "}\n")
        self.sent.append(f"{kind} {name}")
        return f"{kind} {name}"

    def send(self, journey: str, key: str | None) -> str:
        r = self.world.rng
        kind, name = (r.choice(self.sent) if self.sent and r.random() < 0.6 else self.message(journey, key)).split()
        offer = ""
        if r.random() < 0.2:
            offer = f" with offer {r.choice(self.world.offers)}"
        return f"send {kind} {name}{offer}" if r.random() < 0.8 else f"send {name}{offer}"

    def steps(self, journey: str, trigger: list[Prop] | None, depth: int, count: int) -> list[str]:
        r, w, out = self.world.rng, self.world, []
        key = trigger[0].name if trigger else None

        def block(n: int) -> list[str]:
            return ["  " + line for line in self.steps(journey, trigger, depth + 1, n)]

        for _ in range(count):
            roll = r.random() if depth < 1 else r.random() * 0.6
            if roll < 0.4:
                out.append(self.send(journey, key))
            elif roll < 0.55:
                out.append(f"wait {r.randint(1, 6)} {r.choice(('hours', 'days', 'minutes'))}")
            elif roll < 0.62:
                out.append(
                    f"wait until {r.choice(('', 'monday at ', 'weekday at '))}{r.randint(8, 18)}:{r.choice(('00', '30'))}"
                )
            elif roll < 0.75:
                event = r.choice(EVENT_NAMES)
                where = f" where {key} == trigger.{key}" if key and w.events[event][0].name == key else ""
                out += [f'wait up to {r.randint(1, 5)} days for "{event}"{where} then {{', *block(1), "} otherwise {"]
                out += [*block(r.randint(1, 2)), *(["  exit"] if r.random() < 0.2 else []), "}"]
            elif roll < 0.9:
                segments = r.sample(list(w.segments), r.randint(0, 2))
                out += [f"if {w.condition(r.randint(1, 2), trigger, segments)} {{", *block(r.randint(1, 2))]
                if r.random() < 0.4:
                    out += [f"}} else if {r.choice(PROFILE_TESTS)} {{", *block(1)]
                out += ["} else {", *block(1), "}"] if r.random() < 0.6 else ["}"]
            else:
                holdout, arms = r.choice(((10, (45, 45)), (0, (50, 50)), (20, (40, 40)), (10, (30, 30, 30))))
                self.tests += 1
                out += [f"{r.choice(('experiment', 'split'))} {journey}_test{self.tests} {{"]
                out += [f"  holdout {holdout}%"] if holdout else []
                for arm, weight in zip("abc", arms, strict=False):
                    out += [f"  arm {arm} {weight}% {{", *["  " + s for s in block(1)], "  }"]
                out.append("}")
        return out

    def journey(self, name: str) -> None:
        r, w = self.world.rng, self.world
        self.sent = []  # a journey re-sends only its own messages: they may read its trigger's properties
        lines = [f'description "Generated for the benchmark ({name})"'] if r.random() < 0.5 else []
        lines += [f"owner {r.choice(TEAMS)}", f"category {r.choice(CATEGORIES)}"]
        lines += [f"stage {r.choice(STAGES)}"] if r.random() < 0.7 else []
        kind, trigger = r.choices(("event", "segment", "schedule"), (7, 2, 1))[0], None
        if kind == "event":
            event = r.choice(EVENT_NAMES)
            trigger = w.events[event]
            where = f" where {w.prop_test(trigger, scalar=True)}" if r.random() < 0.4 else ""
            lines.append(f'trigger "{event}"{where} keyed by {trigger[0].name}')
        elif kind == "segment":
            segment = r.choice(list(w.segments))
            lines.append(f"trigger entering segment {segment}")
        else:
            lines.append(f"trigger every {r.choice(('day', 'monday', 'friday'))} at {r.randint(8, 17)}:00")
        if r.random() < 0.4:
            lines.append(f"audience {r.choice(PROFILE_TESTS)}")
        rules = ["entry once", f"entry at most once every {r.choice((7, 30, 90))} days", "entry at most 3 times"]
        lines.append(
            r.choice(rules) if r.random() < 0.5 or not trigger else f"entry one active run per {trigger[0].name}"
        )
        key = trigger[0].name if trigger else None
        goal = r.choice([e for e, p in w.events.items() if p[0].name == key] or EVENT_NAMES)
        where = f" where {key} == trigger.{key}" if key and w.events[goal][0].name == key else ""
        lines.append(f'goal "{goal}"{where} within {r.choice((3, 7, 14, 30))} days')
        lines += [f'exit on "{r.choice(EVENT_NAMES)}"' for _ in range(r.choice((0, 0, 1, 2)))]
        body = self.steps(name, trigger, 0, r.randint(STEPS_MIN, STEPS_MAX))
        title = name.replace("_", " ").capitalize()
        self.out.append(
            f'journey {name} "{title}" {{\n' + "".join(f"  {s}\n" if s else "\n" for s in [*lines, "", *body]) + "}\n"
        )


def generate(root: Path, files: int, seed: int = SEED) -> dict[str, str]:
    """Write the project under `root` and return its files' texts by relative path."""
    world = make_world(random.Random(seed))
    texts = shared_files(world)
    for i in range(max(files - len(texts), 1)):
        team, topic = TEAMS[i % len(TEAMS)], TOPICS[(i * 7) % len(TOPICS)]
        jf = JourneyFile(world)
        for k in range(world.rng.choice((1, 1, 1, 1, 2, 2, 3))):
            jf.journey(f"{topic}_{i:04d}_{k}")
        body = "\n".join(jf.out)
        used = {world.segments[s] for s in re.findall(r"(?:in|entering) segment (\w+)", body)}
        shared = ["shared/events.journey", "shared/channels.journey", "shared/categories.journey"]
        shared += ["shared/offers.journey"] * (" with offer " in body) + sorted(used)
        header = [f"# {topic.replace('_', ' ')} journeys of the {team} team"] + [f'import "../../{m}"' for m in shared]
        texts[f"teams/{team}/{topic}_{i:04d}.journey"] = "\n".join(header) + "\n\n" + body
    for relative, text in texts.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return {k: v.rstrip("\n") + "\n" for k, v in texts.items()}
