"""Parse tree -> IR for the pieces every declaration shares: spans, durations, times and conditions."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from lark import Token
from lark.tree import Meta

from journeyc import ir
from journeyc.diagnostics import Diagnostic, Label
from journeyc.runtime.durations import UNITS, describe, unit_seconds
from journeyc.syntax.fast_parse import NotParsedError
from journeyc.syntax.text_checks import early_closing_quote, early_quote_diagnostic
from journeyc.syntax.values import (
    MAX_DIGITS,
    MAX_DURATION_SECONDS,
    UNIT_WORDS,
    decode_text,
    duration_unit_error,
    number_problem,
    parse_number,
    parse_time,
    shown_number,
)

# Spans are the nodes built most often (one or more per rule). The model's own validator, called directly, makes
# the same validated Span as `ir.Span(...)` in a third less time, and in half the time of `model_construct`.
_new_span = ir.Span.__pydantic_validator__.validate_python
_THRESHOLD_OPS = {"least": ">=", "most": "<=", "exactly": "==", "more": ">", "fewer": "<"}


class DeclarationError(NotParsedError):
    """A rule method refuses what it was given, with the diagnostic that says why (J008: a quote that ends a text
    early, so the parse is not what the user meant). The declaration is then read again alone and this
    diagnostic is its only one."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__()
        self.diagnostic = diagnostic


class BuildBase:
    """Builds IR nodes bottom-up; the file-level builder extends it with declarations.

    Each grammar rule has a method `rule(meta, children)` taking the already-built children and the rule's
    position. The parser calls them while it parses (FastParse, or Lark's own parser for a broken declaration; see
    `build_inline`): no parse tree is made.
    """

    def __init__(self, path: str, line_offset: int = 0) -> None:
        self.file_path = path
        self.line_offset = line_offset
        self.diagnostics: list[Diagnostic] = []
        self.source = ""  # the text being parsed (token offsets point into it)
        self.declared = 0  # how many of `diagnostics` belong to top-level declarations read to their end

    # ------------------------------------------------------------ positions and reporting
    def span(self, where: Meta | Token) -> ir.Span:
        off = self.line_offset
        return _new_span(  # (the ignores: Lark types a token's place Optional; every token its lexers and FastParse make has one)
            {
                "file": self.file_path,
                "line": where.line + off,  # type: ignore[operator]
                "column": where.column,
                "end_line": where.end_line + off,  # type: ignore[operator]
                "end_column": where.end_column,
            }
        )

    def span_between(self, first: ir.Span, last: ir.Span) -> ir.Span:
        return _new_span(
            {
                "file": self.file_path,
                "line": first.line,
                "column": first.column,
                "end_line": last.end_line,
                "end_column": last.end_column,
            }
        )

    def report(
        self,
        code: str,
        message: str,
        span: ir.Span,
        label: str | None = None,
        help: str | None = None,
        labels: tuple[Label, ...] = (),
    ) -> None:
        self.diagnostics.append(
            Diagnostic(code=code, severity="error", message=message, span=span, label=label, help=help, labels=labels)
        )

    def name(self, token: Token) -> ir.Name:
        return ir.Name(name=str(token), span=self.span(token))

    # ------------------------------------------------------------ shared pieces
    def text(self, meta: Meta, children: list[Token]) -> Any:
        token = children[0]
        if token.type == "STRING":
            self.check_quotes(token)
        return decode_text(token)

    def check_quotes(self, token: Token) -> None:
        """Refuse a one-line text that a quote inside it ended early (`"Hi {{ x | default("there") }}"`)."""
        value, end = str(token), token.end_pos or 0
        glued = self.source[end : end + 1]
        if not (glued.isalnum() or glued == "_") and (
            "{" not in value or (value.count("{{") <= value.count("}}") and value.count("{%") <= value.count("%}"))
        ):
            return
        from journeyc.syntax.grammar import keywords  # here: the grammar module imports the builders

        if early_closing_quote(self.source, token.start_pos or 0, keywords()) == end - 1:
            assert token.end_line is not None and token.end_column is not None  # Lark's lexers place every token
            span = _new_span(
                {
                    "file": self.file_path,
                    "line": token.end_line + self.line_offset,
                    "column": token.end_column - 1,
                    "end_line": token.end_line + self.line_offset,
                    "end_column": token.end_column,
                }
            )
            raise DeclarationError(early_quote_diagnostic(span))

    def description(self, meta: Meta, children: list[Any]) -> tuple[str, Any, ir.Span]:
        return ("description", children[1].value, self.span(meta))

    def name_list(self, meta: Meta, children: list[Token]) -> list[ir.Name]:
        return [self.name(t) for t in children if t.type == "NAME"]

    def number(self, token: Token) -> int | float | None:
        """The value of a NUMBER token; None for one with too many digits to keep exactly, which is reported (J312)."""
        problem = number_problem(str(token))
        if problem is None:
            return parse_number(token)
        where = "before" if problem == "too large" else "after"
        self.report(
            "J312",
            f"the number {shown_number(str(token))} is {problem}",
            self.span(token),
            f"more than {MAX_DIGITS} digits {where} the decimal point",
            help=f"journeyc keeps numbers of up to {MAX_DIGITS} digits {where} the decimal point",
        )
        return None

    def duration(self, meta: Meta, children: list[Token]) -> ir.Duration:
        span = self.span(meta)
        amount_text = "1" if len(children) == 1 else str(children[0])
        unit_token = children[-1]
        text = str(unit_token) if len(children) == 1 else f"{children[0]} {unit_token}"
        if len(children) == 2 and number_problem(amount_text):
            self.number(children[0])  # reports it
            return ir.Duration(seconds=0, text=text)
        amount = int(amount_text) if amount_text.isdigit() else Fraction(amount_text)  # Fraction only when needed
        size = unit_seconds(str(unit_token))
        if size is None:
            message, hint = duration_unit_error(str(unit_token), float(amount))
            self.report("J301", message, self.span(unit_token), f"expected {UNIT_WORDS}", hint)
            return ir.Duration(seconds=0, text=text)
        exact = amount * size
        if isinstance(amount, Fraction) and amount.denominator != 1:
            self._fractional_duration(text, unit_token, exact, span)
        elif exact == 0:
            self.report("J301", f'the duration "{text}" is not longer than zero', span, help="use a positive length")
        if exact > MAX_DURATION_SECONDS:
            self.report(
                "J311",
                f'the duration "{text}" is longer than 10 years',
                span,
                "longer than any journey runs",
                help=f"write a length of at most {MAX_DURATION_SECONDS // UNITS['day']:,} days (10 years)",
            )
            return ir.Duration(seconds=MAX_DURATION_SECONDS, text=text)
        return ir.Duration(seconds=int(exact), text=text)

    def _fractional_duration(self, text: str, unit_token: Token, exact: int | Fraction, span: ir.Span) -> None:
        unit = str(unit_token).lower().rstrip("s")
        if exact.denominator == 1 and exact > 0:
            help = f"write it as a whole number of a smaller unit: {describe(int(exact))}"
        else:
            help = "journeyc counts time in whole seconds: write a whole number of seconds"
        self.report(
            "J310", f'the duration "{text}" is not a whole number of {unit}s', span, f"a fraction of a {unit}", help
        )

    def time_of_day(self, token: Token) -> ir.TimeOfDay:
        parsed = parse_time(str(token))
        if parsed is None:
            self.report(
                "J302",
                f'"{token}" is not a time of day',
                self.span(token),
                "hours go from 00 to 23, minutes from 00 to 59",
                help="write times in 24-hour form, e.g. 21:00 or 08:30",
            )
            return ir.TimeOfDay(hour=0, minute=0)
        return ir.TimeOfDay(hour=parsed[0], minute=parsed[1])

    def where(self, meta: Meta, children: list[Any]) -> Any:
        return children[1]

    # ------------------------------------------------------------ conditions
    def expr(self, meta: Meta, children: list[Any]) -> Any:
        # A flat chain: item (connective item)*. `and` binds tighter than `or`.
        groups: list[list[Any]] = [[children[0]]]
        for connective, item in zip(children[1::2], children[2::2], strict=True):
            if connective.type == "OR":
                groups.append([item])
            else:
                groups[-1].append(item)
        ors = []
        for group in groups:
            if len(group) == 1:
                ors.append(group[0])
            else:
                ors.append(ir.And(items=tuple(group), span=self.span_between(group[0].span, group[-1].span)))
        if len(ors) == 1:
            return ors[0]
        return ir.Or(items=tuple(ors), span=self.span(meta))

    def tail(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def not_tail(self, meta: Meta, children: list[Any]) -> ir.Not:
        return ir.Not(item=children[1], span=self.span(meta))

    not_closed = not_tail

    def filtered(self, meta: Meta, children: list[Any]) -> Any:
        head, _, condition = children
        if isinstance(head, ir.Behaviour):
            return head.model_copy(update={"where": condition, "span": self.span(meta)})
        quantifier, path = head
        return ir.ListPredicate(quantifier=quantifier, list=path, where=condition, span=self.span(meta))

    def list_head(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Path]:
        return (str(children[0]), children[1])

    def group(self, meta: Meta, children: list[Any]) -> Any:
        return children[1]

    def in_segment(self, meta: Meta, children: list[Token]) -> ir.InSegment:
        return ir.InSegment(segment=str(children[2]), span=self.span(meta), name_span=self.span(children[2]))

    def comparison(self, meta: Meta, children: list[Any]) -> Any:
        span = self.span(meta)
        if len(children) == 1:
            return ir.Truthy(operand=children[0], span=span)
        left, right = children[0], children[-1]
        if isinstance(children[1], Token) and children[1].type == "COMPARE":
            op = str(children[1])
        else:
            op = "!=" if any(isinstance(c, Token) and c.type == "NOT" for c in children) else "=="
        return ir.Compare(op=op, left=left, right=right, span=span)

    def is_set(self, meta: Meta, children: list[Any]) -> ir.IsSet:
        negated = any(isinstance(c, Token) and c.type == "NOT" for c in children)
        return ir.IsSet(operand=children[0], negated=negated, span=self.span(meta))

    def is_one_of(self, meta: Meta, children: list[Any]) -> ir.IsOneOf:
        negated = any(isinstance(c, Token) and c.type == "NOT" for c in children)
        values = tuple(c for c in children[1:] if isinstance(c, ir.Const))
        return ir.IsOneOf(operand=children[0], values=values, negated=negated, span=self.span(meta))

    def path(self, meta: Meta, children: list[Token]) -> ir.Path:
        return ir.Path(parts=tuple(str(t) for t in children if t.type == "NAME"), span=self.span(meta))

    def last_value(self, meta: Meta, children: list[Token]) -> ir.LastValue:
        return ir.LastValue(
            property=str(children[1]),
            event=decode_text(children[3]).value,
            span=self.span(meta),
            event_span=self.span(children[3]),
        )

    def literal(self, meta: Meta, children: list[Token]) -> ir.Const:
        token = children[0]
        value: bool | int | float | str
        if token.type == "STRING":
            self.check_quotes(token)
            value = decode_text(token).value
        elif token.type == "NUMBER":
            number = self.number(token)
            value = 0 if number is None else number  # (None: too many digits, reported as J312)
        else:
            value = token.type == "TRUE"
        return ir.Const(value=value, span=self.span(meta))

    def threshold(self, meta: Meta, children: list[Token]) -> tuple[str, float]:
        return (
            _THRESHOLD_OPS[str(children[1] if children[0].type == "AT" else children[0])],
            float(self.number(children[-1]) or 0),  # (0.0 and None alike: a threshold is a float)
        )

    def count_behaviour(self, meta: Meta, children: list[Any]) -> ir.Behaviour:
        (op, threshold), event = children[0], children[1]
        window = children[2] if len(children) > 2 else None
        return ir.Behaviour(
            event=decode_text(event).value,
            event_span=self.span(event),
            op=op,
            threshold=threshold,
            window=window,
            span=self.span(meta),
        )

    def sum_behaviour(self, meta: Meta, children: list[Any]) -> ir.Behaviour:
        (op, threshold), _, prop, _, event = children[:5]
        window = children[5] if len(children) > 5 else None
        return ir.Behaviour(
            event=decode_text(event).value,
            event_span=self.span(event),
            op=op,
            threshold=threshold,
            sum_of=str(prop),
            window=window,
            span=self.span(meta),
        )

    def exists_behaviour(self, meta: Meta, children: list[Any]) -> ir.Behaviour:
        word, event = children[0], children[1]
        window = children[2] if len(children) > 2 else None
        op, threshold = (">=", 1.0) if word.type == "ANY" else ("==", 0.0)
        return ir.Behaviour(
            event=decode_text(event).value,
            event_span=self.span(event),
            op=op,
            threshold=threshold,
            window=window,
            span=self.span(meta),
        )

    def window(self, meta: Meta, children: list[Any]) -> ir.Window:
        if isinstance(children[0], Token) and children[0].type == "SINCE":
            return ir.Window(kind="since_entry", span=self.span(meta))
        return ir.Window(kind="last", duration=children[2], span=self.span(meta))
