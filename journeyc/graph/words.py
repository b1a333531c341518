"""The IR printed back in the DSL's own words: conditions, triggers, entry rules, steps and policy rules.

One printer for everything that shows a reader what a project says (the flowcharts of `journeyc graph`, the
sentences of `journeyc diff` and `journeyc breaking`). What it prints parses back to the same IR (tests check
this for every condition of the demo project and for generated ones), so a reviewer reads what could be written.
"""

from __future__ import annotations

import math

from journeyc import ir

_THRESHOLD_WORDS = {">=": "at least", "<=": "at most", "==": "exactly", ">": "more than", "<": "fewer than"}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
_EXEMPT_WORDS = {"caps": "caps", "quiet_hours": "quiet hours", "suppression": "suppression", "consent": "consent"}


# ---------------------------------------------------------------- values
def quoted(text: str) -> str:
    """A text as a double-quoted DSL string (escapes for quotes, backslashes, line breaks and tabs)."""
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def number(value: float) -> str:
    """A number as the DSL writes it: `3`, `2.5`; a float that came from `100.0` keeps its decimal point."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    text = repr(value)
    if "e" in text or "E" in text:
        text = f"{value:.20f}".rstrip("0")
    return text if "." in text else text + ".0"


def amount(value: float) -> str:
    """A count, weight or threshold (a float in the IR) without a needless `.0`: `3`, `45`, `33.5`."""
    return str(int(value)) if math.isfinite(value) and float(value).is_integer() else number(value)


def literal(value: ir.types.LiteralValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quoted(value)
    return number(value)


def operand(item: ir.Operand) -> str:
    if isinstance(item, ir.Path):
        return item.dotted
    if isinstance(item, ir.LastValue):
        return f"last {item.property} of {quoted(item.event)}"
    return literal(item.value)


def duration(value: ir.Duration) -> str:
    """A duration exactly as the user wrote it (`1 hour`, `day` in `per day`)."""
    return value.text


def offer_value(value: ir.OfferValue) -> str:
    """`10% off`, `5 USD off`."""
    return f"{amount(value.amount)}% off" if value.unit == "percent" else f"{amount(value.amount)} {value.unit} off"


# ---------------------------------------------------------------- conditions
def condition(expr: ir.Expr) -> str:
    """A condition as it could be written in a `.journey` file (parentheses only where they are needed)."""
    return _expr(expr, tail=True)


def _filtered(expr: ir.Expr) -> bool:
    """Whether the condition ends in a `where` filter, which reads to the end of the condition it is in."""
    if isinstance(expr, ir.Behaviour):
        return expr.where is not None
    if isinstance(expr, ir.ListPredicate):
        return True
    if isinstance(expr, ir.Not):
        return _filtered(expr.item)
    return False


def _expr(expr: ir.Expr, tail: bool) -> str:
    """`tail`: nothing follows this text, so a trailing `where` filter needs no parentheses."""
    if isinstance(expr, ir.Or | ir.And):
        parts = []
        for index, item in enumerate(expr.items):
            last = index == len(expr.items) - 1
            # A group the parser would not make from the bare text: an `or` inside anything, an `and` inside an
            # `and`, or a filter that something follows (it would read to the end).
            grouped = isinstance(item, ir.Or) or (isinstance(expr, ir.And) and isinstance(item, ir.And))
            if grouped or (_filtered(item) and not (tail and last)):
                parts.append(f"({_expr(item, True)})")
            else:
                parts.append(_expr(item, tail and last))
        return (" or " if isinstance(expr, ir.Or) else " and ").join(parts)
    if isinstance(expr, ir.Not):
        if isinstance(expr.item, ir.And | ir.Or):
            return f"not ({_expr(expr.item, True)})"
        return f"not {_expr(expr.item, tail)}"
    if isinstance(expr, ir.Compare):
        return f"{operand(expr.left)} {expr.op} {operand(expr.right)}"
    if isinstance(expr, ir.Truthy):
        return operand(expr.operand)
    if isinstance(expr, ir.IsSet):
        return f"{operand(expr.operand)} is {'not ' if expr.negated else ''}set"
    if isinstance(expr, ir.IsOneOf):
        values = ", ".join(literal(v.value) for v in expr.values)
        return f"{operand(expr.operand)} is {'not ' if expr.negated else ''}one of {values}"
    if isinstance(expr, ir.InSegment):
        return f"in segment {expr.segment}"
    if isinstance(expr, ir.Behaviour):
        return _behaviour(expr)
    return f"{expr.quantifier} {expr.list.dotted} where {_expr(expr.where, True)}"


def _behaviour(expr: ir.Behaviour) -> str:
    event = quoted(expr.event)
    if expr.sum_of is not None:
        text = f"{_THRESHOLD_WORDS[expr.op]} {amount(expr.threshold)} total {expr.sum_of} of {event}"
    elif expr.op == ">=" and expr.threshold == 1:
        text = f"any {event}"
    elif expr.op == "==" and expr.threshold == 0:
        text = f"no {event}"
    else:
        text = f"{_THRESHOLD_WORDS[expr.op]} {amount(expr.threshold)} {event}"
    window = expr.window
    if window is not None:
        text += " since entry" if window.duration is None else f" in last {duration(window.duration)}"
    if expr.where is not None:
        text += f" where {_expr(expr.where, True)}"
    return text


def where(expr: ir.Expr | None) -> str:
    """` where <condition>`, or nothing."""
    return "" if expr is None else f" where {condition(expr)}"


# ---------------------------------------------------------------- journey settings
def trigger(value: ir.EventTrigger | ir.SegmentTrigger | ir.ScheduleTrigger) -> str:
    """What follows `trigger`: `"Checkout Started" where value > 0 keyed by order_id`, `entering segment x`."""
    if isinstance(value, ir.EventTrigger):
        keyed = f" keyed by {value.key.name}" if value.key is not None else ""
        return f"{quoted(value.event)}{where(value.where)}{keyed}"
    if isinstance(value, ir.SegmentTrigger):
        return f"entering segment {value.segment.name}"
    return f"every {value.every} at {value.at}"


def entry(rule: ir.EntryRule) -> str:
    """An entry rule as written after `entry`."""
    if rule.kind == "once":
        return "once"
    if rule.kind == "once_per" and rule.period is not None:
        return f"at most once every {duration(rule.period)}"
    if rule.kind == "max_times":
        return f"at most {rule.times} times"
    return f"one active run per {rule.key.name if rule.key else ''}".rstrip()


def goal(value: ir.Goal) -> str:
    within = f" within {duration(value.within)}" if value.within is not None else ""
    return f"goal {quoted(value.event)}{where(value.where)}{within}"


def exit_on(value: ir.ExitEvent) -> str:
    return f"exit on {quoted(value.event)}{where(value.where)}"


# ---------------------------------------------------------------- steps
def send(step: ir.SendStep, channel: str | None = None) -> str:
    """`send sms cart_discount with offer CART10`; `channel` names the message's channel when the step does not."""
    shown = step.channel.name if step.channel is not None else channel
    offer = f" with offer {step.offer.name}" if step.offer is not None else ""
    return f"send {shown + ' ' if shown else ''}{step.message.name}{offer}"


def wait_for(step: ir.WaitForStep) -> str:
    return f"wait up to {duration(step.timeout)} for {quoted(step.event)}{where(step.where)}"


def step_headline(step: ir.Step, channel: str | None = None) -> str:
    """A step's first line as written (an `if` shows its first condition, an experiment its name)."""
    if isinstance(step, ir.SendStep):
        return send(step, channel)
    if isinstance(step, ir.WaitStep):
        return f"wait {duration(step.duration)}"
    if isinstance(step, ir.WaitUntilStep):
        return f"wait until {step.weekday + ' at ' if step.weekday else ''}{step.time}"
    if isinstance(step, ir.WaitForStep):
        return wait_for(step)
    if isinstance(step, ir.IfStep):
        return f"if {condition(step.branches[0].condition)}"
    if isinstance(step, ir.ExperimentStep):
        return f"experiment {step.name}"
    return "exit"


def percent(value: float) -> str:
    return f"{amount(value)}%"


# ---------------------------------------------------------------- the contact policy
def names(items: tuple[ir.Name, ...]) -> str:
    return ", ".join(item.name for item in items)


def cap(rule: ir.Cap) -> str:
    scope = (f" for {names(rule.categories)}" if rule.categories else "") + (
        f" on {names(rule.channels)}" if rule.channels else ""
    )
    return f"limit {rule.limit} message{'s' if rule.limit != 1 else ''} per {duration(rule.window)}{scope}"


def quiet_hours(rule: ir.QuietHours) -> str:
    on = f" on {names(rule.channels)}" if rule.channels else ""
    return f"quiet hours {rule.start} to {rule.end}{on} then {rule.action}"


def suppression(rule: ir.Suppression) -> str:
    after = f"{quoted(rule.event)}{where(rule.where)}"
    return f"suppress {names(rule.categories)} for {duration(rule.duration)} after {after}"


def exemption(rule: ir.Exemption) -> str:
    return f"exempt {names(rule.categories)} from {', '.join(_EXEMPT_WORDS[r] for r in rule.rules)}"
