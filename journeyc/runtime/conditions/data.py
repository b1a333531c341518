"""Conditions as data: the one description of their shape and of what they mean.

A condition is the IR's condition (journeyc/ir/expr.py) as plain data without source positions, the shape
`journeyc.emit.python.data` dumps: nested dicts whose `kind` names the node, e.g. `{"kind": "compare", "op": ">=",
"left": {"kind": "path", "parts": ["trigger", "value"]}, "right": {"kind": "const", "value": 100}}`. segments.json
holds lists, a generated journey module tuples: every sequence below may be either. The TypedDicts below declare
that shape, one per kind; `Condition` is their union. They are types only: a generated module writes plain dict
literals, and nothing checks them at run time.

Shapes (fields marked * may be left out: the runtime reads them as their IR default, None or False)
--------------------------------------------------------------------------------------------------------
operands   {"kind": "const", "value": v}              v: bool, int, float or str as emitted (any value is read)
           {"kind": "path", "parts": [p, ...]}
           {"kind": "last", "property": "a.b", "event": e}
compare    {"kind": "compare", "op": "==" | "!=" | "<" | "<=" | ">" | ">=", "left": operand, "right": operand}
truthy     {"kind": "truthy", "operand": operand}                         a lone operand (`profile.email_opt_in`)
is_set     {"kind": "is_set", "operand": operand, "negated"*: bool}
is_one_of  {"kind": "is_one_of", "operand": operand, "values": [operand, ...], "negated"*: bool}
in_segment {"kind": "in_segment", "segment": name}
behaviour  {"kind": "behaviour", "event": e, "op": op, "threshold": number, "sum_of"*: "a.b" | None,
            "window"*: window | None, "where"*: condition | None}
           window: {"kind": "last", "duration": {"seconds": S, "text"*: "30 days"}} or
                   {"kind": "since_entry", "duration"*: None}
list_predicate {"kind": "list_predicate", "quantifier": "any" | "all" | "no", "list": path, "where": condition}
and, or    {"kind": "and" | "or", "items": [condition, ...]}
not        {"kind": "not", "item": condition}

Semantics
---------
A condition is read in a `Context` (context.py): the moment `now`, the customer's profile and history, the
trigger event's properties, when the run entered, segment membership, and inside a filter the event tested.

Operands.
- `const` is its value.
- `path`: a path of two or more parts starting with `profile` reads `ctx.profile`, one starting with `trigger`
  reads `ctx.trigger` (the trigger event's properties); any other path (including a one-part `profile` or
  `trigger`, which the compiler treats as a bare property) reads `ctx.event`: the event being tested inside a
  `where` filter, or the list item inside a list predicate. Later parts walk nested mappings. Anything absent
  along the way (no such key, `None`, not a mapping) is *missing* (`None`).
- `last`: property `p` (dots walk nested objects) of the most recent history event named `e` with `time <= now`
  (on equal times, the later one in `history`); missing if there is no such event or it lacks the property (no
  fall-back to an older event).

Values have kinds: number (int, float, Decimal, ...; never bool), text (str), boolean (bool), collection (list,
tuple, set, mapping) or other (e.g. a datetime object).
- `==` is True when both are present, of the same kind and equal (1 == 1.0; True is not 1; "1" is not 1).
- `!=` is always `not ==`: True when either side is missing or the kinds differ.
- `<`, `<=`, `>`, `>=` are True only when both are present and of the same kind: numbers numerically, texts as
  texts (code-point order, so ISO dates order correctly); booleans and collections never order (False);
  other values of one type (e.g. datetimes) use Python's ordering, and are False if that raises. Nothing here
  ever raises on customer data.
- `is set` is True when the value is not missing (`is not set` the reverse); an empty text is set.
- `is one of` is True when the value `==` one of the values (missing: False); `is not one of` is its negation
  (missing: True).
- `truthy` is `bool(value)`, missing is False.

`behaviour`: take the history events named `event` that are inside the window at `now`:
- `last` window of S seconds: `time <= now < time + S`, i.e. `now - S < time <= now`: an event exactly S seconds
  old is outside (written as `now < time + S` so that the change time reported, `time + S`, is exactly where the
  value flips, float rounding included);
- `since_entry`: `entered_at <= time <= now`; with `ctx.entered_at` None no event is inside (the run has not
  entered);
- no window: every event with `time <= now`;
and that match `where`, read with `ctx.event` = the event's properties (profile, trigger and the rest of the
context unchanged). The measure is their count, or with `sum_of` the sum of that property (dots walk nested
objects) over them, where a missing or non-numeric value (text, boolean) counts 0. The value is
`measure op threshold`, numerically.

`list_predicate`: the value at path `list` (read like any path) if it is a list or tuple, otherwise (missing,
text, mapping, ...) an empty list. `any`: some item matches `where` (read with `ctx.event` = the item, None for an
item that is not a mapping); `all`: every item matches (True for an empty list); `no`: no item matches (True for
an empty list).

`in_segment` is `ctx.in_segment(name)`, False when `ctx.in_segment` is None. `and` is True when every item is (an
empty `and` is True), `or` when some item is (an empty `or` is False), `not` negates. No condition (None) is True.
An unknown `kind` raises ValueError when it is reached: that is a malformed condition, not customer data.

Next change
-----------
A condition's next change is the earliest time `t > ctx.now` at which its value may differ from its value at `now`
with no new event, or None if it cannot change that way. It may be early (the caller evaluates at `t` and asks
again) but is never late. Sources of change:
- an `in last D` window dropping an event: at `time + D`. For a behaviour whose `where` cannot change over time
  the answer is exact: the first drop time at which `measure op threshold` flips (so `no "X" in last 90 days`
  changes 90 days after the *last* X, and `at least 3 "X" in last 30 days` with 4 events changes when the second
  oldest drops);
- events already in `history` but dated after `now` (not expected, handled conservatively): their time, where
  they would enter a window or become the `last` event;
- nested conditions inside a `where` (filters or list items) are asked too, per relevant event or item.
Profile and trigger values do not change without an event. Segment membership (`in segment`) is opaque here and
contributes no time: a caller that tracks segments asks for the next change of the segment's own condition.
`not` takes its item's time. An `and` that is True now may change as soon as any item does: the earliest of their
times. One that is False now stays False while any False item does: it may change only once all of them have, at
the latest of their times, and never (None) if one of them cannot change (a customer who never ordered a dress is
no dress enthusiast however time passes, whatever their views do). Dually, an `or` that is False now takes the
earliest time of its items, one that is True now the latest time of its True items (None if one has none). List
predicates take the earliest time among their items (conservative).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NotRequired, TypedDict

__all__ = [
    "AndCondition",
    "BehaviourCondition",
    "CompareCondition",
    "CompareOp",
    "Condition",
    "ConstOperand",
    "DurationData",
    "InSegmentCondition",
    "IsOneOfCondition",
    "IsSetCondition",
    "LastOperand",
    "ListPredicateCondition",
    "NotCondition",
    "Operand",
    "OrCondition",
    "PathOperand",
    "TruthyCondition",
    "WindowData",
]

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]


class ConstOperand(TypedDict):
    kind: Literal["const"]
    value: bool | int | float | str


class PathOperand(TypedDict):
    kind: Literal["path"]
    parts: Sequence[str]


class LastOperand(TypedDict):
    kind: Literal["last"]
    property: str  # dotted: "address.country"
    event: str


Operand = ConstOperand | PathOperand | LastOperand


class CompareCondition(TypedDict):
    kind: Literal["compare"]
    op: CompareOp
    left: Operand
    right: Operand


class TruthyCondition(TypedDict):
    kind: Literal["truthy"]
    operand: Operand


class IsSetCondition(TypedDict):
    kind: Literal["is_set"]
    operand: Operand
    negated: NotRequired[bool]


class IsOneOfCondition(TypedDict):
    kind: Literal["is_one_of"]
    operand: Operand
    values: Sequence[Operand]  # constants as the compiler emits them
    negated: NotRequired[bool]


class InSegmentCondition(TypedDict):
    kind: Literal["in_segment"]
    segment: str


class DurationData(TypedDict):
    seconds: float
    text: NotRequired[str]  # as the user wrote it, for people reading the data


class WindowData(TypedDict):
    kind: Literal["last", "since_entry"]
    duration: NotRequired[DurationData | None]  # required for `last`


class BehaviourCondition(TypedDict):
    kind: Literal["behaviour"]
    event: str
    op: CompareOp
    threshold: float
    sum_of: NotRequired[str | None]  # dotted property summed; None: a count
    window: NotRequired[WindowData | None]  # None: the whole history
    where: NotRequired[Condition | None]


class ListPredicateCondition(TypedDict):
    kind: Literal["list_predicate"]
    quantifier: Literal["any", "all", "no"]
    list: PathOperand
    where: Condition


class AndCondition(TypedDict):
    kind: Literal["and"]
    items: Sequence[Condition]


class OrCondition(TypedDict):
    kind: Literal["or"]
    items: Sequence[Condition]


class NotCondition(TypedDict):
    kind: Literal["not"]
    item: Condition


Condition = (
    CompareCondition
    | TruthyCondition
    | IsSetCondition
    | IsOneOfCondition
    | InSegmentCondition
    | BehaviourCondition
    | ListPredicateCondition
    | AndCondition
    | OrCondition
    | NotCondition
)
