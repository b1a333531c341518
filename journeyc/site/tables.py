"""The reference pages: tracking plan, profile, segments, offers, channels and the contact policy, each a table a
reader can filter, every entry with where it is declared and where it is used; and the index of every name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journeyc import ir
from journeyc.graph import words
from journeyc.pipeline import CheckResult
from journeyc.site.names import KIND_WORDS, anchor, page_of
from journeyc.site.render import Nav, render_page
from journeyc.site.uses import Ref, Use


@dataclass(frozen=True)
class UseLink:
    """A place that uses an entry: the declaration (with a link) and how it uses it."""

    kind: str
    name: str
    url: str | None
    how: str
    where: str  # file:line


@dataclass
class Entry:
    name: str
    anchor: str
    where: str  # file:line of the declaration
    cells: list[str]  # the table's other columns, as text
    description: str | None = None
    uses: list[UseLink] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # extra lines (an event's properties)


def _uses(uses: dict[Ref, list[Use]], kind: str, name: str, project: ir.Project) -> list[UseLink]:
    found = []
    for use in uses.get((kind, name), []):
        user = use.user
        if user.kind in ("journey", "message"):
            url: str | None = page_of(user.kind, user.name).url
        elif user.kind == "policy":
            url = "policy.html"
        else:
            url = page_of(user.kind, user.name).url
        found.append(UseLink(user.kind, user.name, url, use.how, f"{use.span.file}:{use.span.line}"))
    return found


def _where(span: ir.Span) -> str:
    return f"{span.file}:{span.line}"


def _type(type_: ir.TypeRef) -> str:
    if isinstance(type_, ir.ScalarType):
        return type_.name
    if isinstance(type_, ir.EnumType):
        return "one of " + ", ".join(words.quoted(v) for v in type_.values)
    if isinstance(type_, ir.ListType):
        return f"list of {_type(type_.item)}"
    if isinstance(type_, ir.ShapeRef):
        return type_.name
    return "object { " + ", ".join(f"{f.name} {_type(f.type)}" for f in type_.fields) + " }"


def _property(prop: ir.Property) -> str:
    optional = " optional" if prop.optional else ""
    default = f" default {words.literal(prop.default)}" if prop.default is not None else ""
    described = f": {prop.description}" if prop.description else ""
    return f"{prop.name} {_type(prop.type)}{optional}{default}{described}"


def tracking_page(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    entries = []
    for name, event in project.events.items():
        entry = Entry(name, anchor("event", name), _where(event.span), [plural_properties(event)], event.description)
        entry.details = [_property(p) for p in event.properties]
        entry.uses = _uses(uses, "event", name, project)
        entries.append(entry)
    return render_page("table.html.j2", "tracking.html", nav, "Tracking plan", entries=entries,
                       intro="Every event customers send, with its properties, and the journeys, segments and "
                       "policy rules that listen for it.", columns=["properties"])  # fmt: skip


def plural_properties(event: ir.Event) -> str:
    count = len(event.properties)
    return f"{count} propert{'y' if count == 1 else 'ies'}"


def profile_page(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    entries = []
    for trait in project.profile.traits if project.profile else ():
        default = words.literal(trait.default) if trait.default is not None else ("optional" if trait.optional else "")
        entry = Entry(trait.name, anchor("trait", trait.name), _where(trait.span), [_type(trait.type), default],
                      trait.description)  # fmt: skip
        entry.uses = _uses(uses, "trait", trait.name, project)
        entries.append(entry)
    return render_page("table.html.j2", "profile.html", nav, "Profile", entries=entries,
                       intro="What is known about a customer: the traits journeys, segments and messages read as "
                       "profile.<trait>.", columns=["type", "default"])  # fmt: skip


def segments_page(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    entries = []
    for name, segment in project.segments.items():
        entry = Entry(name, anchor("segment", name), _where(segment.span), [segment.title or ""], segment.description)
        entry.details = [words.condition(segment.condition)]
        entry.uses = _uses(uses, "segment", name, project)
        entries.append(entry)
    return render_page("table.html.j2", "segments.html", nav, "Segments", entries=entries,
                       intro="Named audiences, evaluated as events arrive and as time passes.",
                       columns=["title"])  # fmt: skip


def offers_page(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    entries = []
    for name, offer in project.offers.items():
        valid = offer.valid_for.text if offer.valid_for else (f"until {offer.valid_until}" if offer.valid_until else "")
        value = words.offer_value(offer.value) if offer.value else ""
        entry = Entry(name, anchor("offer", name), _where(offer.span), [offer.code or "", value, valid],
                      offer.description)  # fmt: skip
        entry.uses = _uses(uses, "offer", name, project)
        entries.append(entry)
    return render_page("table.html.j2", "offers.html", nav, "Offers", entries=entries,
                       intro="Discounts and incentives, defined once: the code and value every message shows.",
                       columns=["code", "value", "valid for"])  # fmt: skip


def channels_page(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    entries = []
    for name, channel in project.channels.items():
        cells = [
            channel.kind.name if channel.kind else "",
            channel.owner.name if channel.owner else "",
            ", ".join(team.name for team in channel.shared_with),
            channel.address.name if channel.address else "",
            channel.consent.name if channel.consent else "",
        ]
        entry = Entry(name, anchor("channel", name), _where(channel.span), cells, channel.description)
        entry.uses = _uses(uses, "channel", name, project)
        entries.append(entry)
    return render_page("table.html.j2", "channels.html", nav, "Channels", entries=entries,
                       intro="Where messages go out, which team owns each channel, and the traits that hold the "
                       "address and the consent.", columns=["kind", "owner", "shared with", "address", "consent"])  # fmt: skip


@dataclass(frozen=True)
class Rule:
    kind: str
    text: str
    where: str


def policy_page(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    policy = project.policy
    rules: list[Rule] = []
    if policy is not None:
        if policy.priority:
            rules.append(Rule("priority", "priority " + words.names(policy.priority), _where(policy.span)))
        rules += [Rule("cap", words.cap(c), _where(c.span)) for c in policy.caps]
        rules += [Rule("quiet hours", words.quiet_hours(q), _where(q.span)) for q in policy.quiet_hours]
        rules += [Rule("suppression", words.suppression(s), _where(s.span)) for s in policy.suppressions]
        rules += [Rule("exemption", words.exemption(e), _where(e.span)) for e in policy.exemptions]
    categories = []
    for name, category in project.categories.items():
        entry = Entry(name, anchor("category", name), _where(category.span), [category.title or ""])
        entry.uses = _uses(uses, "category", name, project)
        categories.append(entry)
    return render_page("policy.html.j2", "policy.html", nav, "Contact policy", policy=policy, rules=rules,
                       categories=categories)  # fmt: skip


@dataclass(frozen=True)
class Name:
    name: str
    kind: str
    url: str


def every_name(project: ir.Project) -> list[Name]:
    """Every name the site shows, with its kind and page: what the search box searches."""
    found: list[Name] = []
    declared: list[tuple[str, list[str]]] = [
        ("journey", list(project.journeys)),
        ("message", list(project.messages)),
        ("event", list(project.events)),
        ("trait", [t.name for t in project.profile.traits] if project.profile else []),
        ("segment", list(project.segments)),
        ("offer", list(project.offers)),
        ("channel", list(project.channels)),
        ("team", list(project.teams)),
        ("category", list(project.categories)),
    ]
    for kind, names in declared:
        found += [Name(name, KIND_WORDS[kind], page_of(kind, name).url) for name in names]
    return sorted(found, key=lambda n: (n.name.lower(), n.name, n.kind))


def names_page(project: ir.Project, nav: Nav) -> bytes:
    return render_page("names.html.j2", "names.html", nav, "Every name", names=every_name(project))
