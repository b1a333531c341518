"""One Python module per journey: the steps in source order, each under a comment with its source line.

The module frame is the Jinja2 template targets/python/journey.py.j2; the statements are built here, already
in `ruff format` layout. Names go through `identifier()`, texts through `string()` / `literal()`: nothing a
user wrote becomes code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journeyc import ir
from journeyc.emit.frames import render_frame
from journeyc.emit.pyliteral import LINE_LENGTH, identifier, literal, safe_number, string


def data(node: Any) -> Any:
    """An IR node as plain data, without source positions (what the runtime reads)."""
    if node is None:
        return None
    return _strip(node.model_dump(mode="json"))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.endswith("span") and k not in ("id", "steps")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@dataclass
class _Writer:
    path: str
    lines: list[str]  # the source file's lines, for the comments
    out: list[str] = field(default_factory=list)
    conditions: dict[str, Any] = field(default_factory=dict)

    def comment(self, span: ir.Span, indent: int) -> None:
        text = self.lines[span.line - 1].strip() if 0 < span.line <= len(self.lines) else ""
        self.out.append(" " * indent + f"# {comment_text(self.path)}:{span.line}  {comment_text(text)}".rstrip())

    def condition(self, step_id: str, expr: ir.Expr) -> str:
        name = "CONDITION" + identifier("_" + step_id.replace(".", "_"))
        self.conditions[name] = data(expr)
        return name

    def line(self, indent: int, text: str) -> None:
        self.out.append(" " * indent + text)


def comment_text(text: str) -> str:
    """Text safe inside a `#` comment: one line, printable characters only."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def call(
    indent: int,
    prefix: str,
    args: list[str],
    suffix: str = "",
    notes: dict[int, str] | None = None,
    pragma: str | None = None,
) -> list[str]:
    """`prefix(args)suffix` laid out as ruff would: on one line, or one argument per line.

    `notes` puts a `# comment` after argument i (`seconds=172800,  # 2 days`); on one line there is room for one,
    at the end. ruff counts a trailing comment in the line's width, so it decides the layout too. `pragma` (a
    `noqa: ...`) goes on the statement's first line, where ruff looks for it, and does not count in the width.
    """
    notes = {i: comment_text(note) for i, note in (notes or {}).items()}
    joined = ", ".join(args)
    flat = f"{prefix}({joined}){suffix}" + "".join(f"  # {note}" for note in notes.values())
    fits = "\n" not in joined and indent + len(flat) <= LINE_LENGTH
    if fits and (len(notes) == 0 or (len(notes) == 1 and pragma is None)):
        return [" " * indent + flat + (f"  # {pragma}" if pragma else "")]
    # One argument per line with a trailing comma: ruff keeps that layout whatever its line length.
    lines = [" " * (indent + 4) + f"{a}," + (f"  # {notes[i]}" if i in notes else "") for i, a in enumerate(args)]
    first = f"{prefix}(" + (f"  # {pragma}" if pragma else "")
    return [" " * indent + first, *lines, " " * indent + f"){suffix}"]


def _lone_if(steps: tuple[ir.Step, ...]) -> bool:
    """Whether `steps` are written as one `if` statement without `elif` or `else` (and nothing else)."""
    if len(steps) != 1:
        return False
    step = steps[0]
    if isinstance(step, ir.IfStep):
        return len(step.branches) == 1 and not step.otherwise
    return isinstance(step, ir.WaitForStep) and bool(step.then) and not step.otherwise


# An `if` whose only statement is another `if`, neither with an `else`, is what ruff's SIM102 asks to merge into
# one `if a and b`. The generated code keeps one `if` per step of the source, so it says so to ruff.
_NESTED_IF = "noqa: SIM102"


def journey_module(journey: ir.Journey, source_text: str, version: str) -> str:
    """The Python module of one journey."""
    writer = _Writer(path=journey.span.file, lines=source_text.split("\n"))
    _steps(writer, journey.steps, 4)
    if not journey.steps:
        writer.line(4, "pass")
    settings = {
        "JOURNEY": journey.name,
        "TITLE": journey.title,
        "OWNER": journey.owner.name if journey.owner else None,
        "CATEGORY": journey.category.name if journey.category else None,
        "STAGE": journey.stage,
        "SOURCE": journey.span.file,
        "TRIGGER": data(journey.trigger),
        "AUDIENCE": data(journey.audience),
        "ENTRY": [data(rule) for rule in journey.entry],
        "GOAL": data(journey.goal),
        "EXITS": [data(e) for e in journey.exits],
    }
    constants = [f"{name} = {literal(value, 0, LINE_LENGTH - len(name) - 3)}" for name, value in settings.items()]
    conditions = [
        f"{name} = {literal(value, 0, LINE_LENGTH - len(name) - 3)}" for name, value in writer.conditions.items()
    ]
    return render_frame(
        "python/journey.py.j2",
        header=comment_text(f"Generated by journeyc {version} from {journey.span.file} — do not edit."),
        constants=constants,
        body=writer.out,
        conditions=conditions,
    )


def _steps(w: _Writer, steps: tuple[ir.Step, ...], indent: int) -> None:
    for step in steps:
        w.comment(step.span, indent)
        _step(w, step, indent)
        if isinstance(step, ir.ExitStep):
            return  # what follows an exit is unreachable (J401): no dead code


def _block(w: _Writer, steps: tuple[ir.Step, ...], indent: int) -> None:
    if steps:
        _steps(w, steps, indent)
    else:
        w.line(indent, "pass")


def _step(w: _Writer, step: ir.Step, indent: int) -> None:
    sid = string(step.id)
    if isinstance(step, ir.SendStep):
        args = [sid, f"channel={string(step.channel.name) if step.channel else 'None'}"]
        args.append(f"message={string(step.message.name)}")
        if step.offer is not None:
            args.append(f"offer={string(step.offer.name)}")
        w.out.extend(call(indent, "await journey.send", args))
    elif isinstance(step, ir.WaitStep):
        seconds = f"seconds={safe_number(step.duration.seconds)}"
        w.out.extend(call(indent, "await journey.wait", [sid, seconds], notes={1: step.duration.text}))
    elif isinstance(step, ir.WaitUntilStep):
        args = [sid, f"hour={step.time.hour}", f"minute={step.time.minute}"]
        if step.weekday is not None:
            args.append(f"weekday={string(step.weekday)}")
        w.out.extend(call(indent, "await journey.wait_until", args))
    elif isinstance(step, ir.WaitForStep):
        where = w.condition(step.id, step.where) if step.where is not None else "None"
        args = [sid, f"event={string(step.event)}", f"where={where}", f"timeout={safe_number(step.timeout.seconds)}"]
        notes = {3: step.timeout.text}
        if not step.then and not step.otherwise:
            w.out.extend(call(indent, "await journey.wait_for", args, notes=notes))
            return
        pragma = _NESTED_IF if not step.otherwise and _lone_if(step.then) else None
        w.out.extend(call(indent, "if await journey.wait_for", args, ":", notes, pragma))
        _block(w, step.then, indent + 4)
        if step.otherwise:
            w.line(indent, "else:")
            _steps(w, step.otherwise, indent + 4)
    elif isinstance(step, ir.IfStep):
        for n, branch in enumerate(step.branches, start=1):
            test_id = f"{step.id}.if{n}"
            keyword = "if" if n == 1 else "elif"
            if n > 1:
                w.comment(branch.span, indent)
            name = w.condition(test_id, branch.condition)
            last = n == len(step.branches) and not step.otherwise
            pragma = _NESTED_IF if last and _lone_if(branch.steps) else None
            w.out.extend(call(indent, f"{keyword} journey.test", [string(test_id), name], ":", pragma=pragma))
            _block(w, branch.steps, indent + 4)
        if step.otherwise:
            w.line(indent, "else:")
            _steps(w, step.otherwise, indent + 4)
    elif isinstance(step, ir.ExperimentStep):
        arms = tuple((arm.name, float(arm.weight)) for arm in step.arms)
        args = [sid, f"experiment={string(step.name)}", f"arms={literal(arms, indent + 4)}"]
        args.append(f"holdout={float(step.holdout or 0)!r}")
        branches = [arm for arm in step.arms if arm.steps]
        variable = "arm" + identifier("_" + step.id.replace(".", "_"))
        w.out.extend(call(indent, f"{variable} = journey.arm" if branches else "journey.arm", args))
        for n, arm in enumerate(branches):
            w.line(indent, f"{'if' if n == 0 else 'elif'} {variable} == {string(arm.name)}:")
            _steps(w, arm.steps, indent + 4)
    elif isinstance(step, ir.ExitStep):
        w.line(indent, f"journey.exit({sid})")
        w.line(indent, "return")
