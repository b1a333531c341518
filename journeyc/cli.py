"""The `journeyc` command line. Thin: it finds the project, runs the pipeline and renders the result.

Exit codes: 0 no errors, 1 errors in the project (or warnings, with `--strict` or `fail-on = "warning"`),
2 a usage or internal error.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from journeyc import __version__
from journeyc.collector import collector_paused, collector_paused_young
from journeyc.load import ProjectNotFoundError, find_project
from journeyc.pipeline import CheckResult, ParseCache, check_project
from journeyc.render.catalogue import (
    find_rule,
    render_explain,
    render_rules_json,
    render_rules_text,
    rules_in,
    rules_selected,
    suggest_rule,
)
from journeyc.render.concise import render_concise
from journeyc.render.full import render_full
from journeyc.render.github import render_github
from journeyc.render.json_format import render_json
from journeyc.render.locations import root_prefix
from journeyc.rules import FAMILIES

OUTPUT_FORMATS = ("full", "concise", "json", "github", "sarif", "junit")


def _guard(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a bad path into a usage error and any unexpected exception into a one-line internal error (exit 2)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ProjectNotFoundError as error:
            raise click.UsageError(str(error)) from error
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the output went to a reader that stopped early (`| head`): no error to report
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit stays quiet
            sys.exit(1)
        except RecursionError:
            click.echo("journeyc: internal error: the input is nested too deeply to process", err=True)
            sys.exit(2)
        except Exception as error:
            click.echo(f"journeyc: internal error: {type(error).__name__}: {error} (please report this)", err=True)
            sys.exit(2)

    return wrapper


class _Commands(click.Group):
    """journeyc's commands; those of the live runtime (cli_live.py, which imports asyncio) are added when one is
    named or the commands are listed, so that other commands start without them."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LIVE_COMMANDS:
            _live_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _live_commands()
        return super().list_commands(ctx)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="journeyc")
def main() -> None:
    """journeyc: journeys as code.

    Checks .journey files (journeys, segments, messages, offers and the contact policy) against the tracking
    plan and each other. PATH is a project folder (every .journey file below it) or one .journey file; without
    PATH, the project in the current folder (found by a journeyc.toml or [tool.journeyc] in pyproject.toml).
    """


def _summary(result: Any) -> dict[str, int]:
    """Files, journeys, errors and warnings (a `CheckResult`, or the cache's result with its counts)."""
    counts = getattr(result, "counts", None) or _counts(result)
    return {**counts, "errors": result.errors, "warnings": result.warnings}


def _counts(result: CheckResult) -> dict[str, int]:
    focus = result.files.focus
    if focus is not None:
        files = 1
        journeys = sum(1 for journey in result.project.journeys.values() if journey.span.file == focus)
    else:
        files = len([f for f in result.project.files if not f.startswith("stdlib/")])
        journeys = len(result.project.journeys)
    return {"files": files, "journeys": journeys}


def _summary_line(result: Any) -> str:
    s = _summary(result)
    where = f"{s['files']} file{'s' * (s['files'] != 1)}, {s['journeys']} journey{'s' * (s['journeys'] != 1)}"
    if not s["errors"] and not s["warnings"]:
        return f"checked {where}: no problems found"
    counts = [f"{s['errors']} error{'s' * (s['errors'] != 1)}", f"{s['warnings']} warning{'s' * (s['warnings'] != 1)}"]
    return f"checked {where}: {' and '.join(counts)}"


@main.command()
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--output-format",
    type=click.Choice(OUTPUT_FORMATS),
    default="full",
    show_default=True,
    help="full: readable text with code frames; concise: one line per problem; json: machine-readable; "
    "github: GitHub Actions annotations; sarif: SARIF 2.1.0 for code scanning; junit: JUnit XML (see docs/cli.md).",
)
@click.option("--color/--no-color", default=None, help="Colour the text output (default: when printing to a terminal).")
@click.option("--strict", is_flag=True, help='Exit 1 on warnings too (like fail-on = "warning" in the settings).')
@click.option("--no-cache", is_flag=True, help="Neither use nor write the cache of the last result in .journeyc/.")
@_guard
def check(path: str | None, output_format: str, color: bool | None, strict: bool, no_cache: bool) -> None:
    """Check a project (or one file) and report every problem.

    The result is kept in .journeyc/ in the project folder: a run on the same files with the same journeyc shows
    it without checking again (every file is read and compared). Exits 0 when there are no errors, 1 when there are
    (or warnings, with --strict), 2 on a usage or internal error.
    """
    from journeyc.incremental import disk

    files = find_project(path)
    use_colour = sys.stdout.isatty() if color is None else color
    style = click.style if use_colour else (lambda text, **_: text)
    # The text of the diagnostics in `full` or `concise` without colours is kept with the cache: shown again as
    # it was, neither read into diagnostics nor rendered. (Colours and the other formats are rendered each time.)
    kept = output_format if output_format in ("full", "concise") and not use_colour else None
    result: Any = None if no_cache else disk.load(files, kept)
    text = None if result is None else result.shown
    if result is None:
        parsed = None if no_cache else disk.load_parsed(files) or ParseCache()
        result = check_project(files, parsed)
        if kept is not None:
            text = _diagnostics_text(result, kept, style)
        if parsed is not None:
            parsed.prune(result.sources)  # the versions of the files this check read
            disk.save(result, _counts(result), parsed, {kept: text} if kept is not None and text is not None else {})
    prefix = root_prefix(result.files.root)
    if output_format in ("full", "concise"):
        if text is None:
            text = _diagnostics_text(result, output_format, style)
        if text:
            click.echo(text, color=use_colour)
        click.echo(_summary_line(result))
    elif output_format == "json":
        click.echo(render_json(result.diagnostics, _summary(result)))
    elif output_format == "sarif":
        from journeyc.render.sarif import render_sarif

        click.echo(render_sarif(result.diagnostics, result.sources, prefix))
    elif output_format == "junit":
        from journeyc.render.junit import render_junit

        checked = [result.files.focus] if result.files.focus is not None else result.files.files
        click.echo(render_junit(result.diagnostics, checked, prefix))
    # Each format's diagnostics are written at once: thousands of writes (of a stream without a buffer, with
    # PYTHONUNBUFFERED) cost more than showing a cached result.
    elif output_format == "github":
        _echo_lines([render_github(diagnostic, prefix) for diagnostic in result.diagnostics])
        click.echo(_summary_line(result))
    sys.exit(1 if result.failed or (strict and result.warnings) else 0)


def _diagnostics_text(result: Any, output_format: str, style: Callable[..., str]) -> str:
    """The diagnostics in the `full` or `concise` format, as one text."""
    if output_format == "concise":
        return "\n".join(render_concise(diagnostic, style) for diagnostic in result.diagnostics)
    return "\n".join(render_full(diagnostic, result.sources, style) + "\n" for diagnostic in result.diagnostics)


def _echo_lines(lines: list[str], color: bool | None = None) -> None:
    """`click.echo` of each line, in one write."""
    if lines:
        click.echo("\n".join(lines), color=color)


@main.command(name="ir")
@click.argument("path", required=False, type=click.Path())
@_guard
def ir_command(path: str | None) -> None:
    """Print the resolved project IR as JSON (stable order), after checking it.

    When the project has errors, they are printed instead (on stderr) and the exit code is 1.
    """
    result = check_project(find_project(path))
    if result.errors:
        for diagnostic in result.diagnostics:
            click.echo(render_full(diagnostic, result.sources), err=True)
            click.echo("", err=True)
        click.echo(_summary_line(result), err=True)
        sys.exit(1)
    click.echo(result.project.model_dump_json(indent=2))


class _RuleSelector(click.ParamType):
    """A family's name or a code prefix, as `rules --family` takes it."""

    name = "NAME|PREFIX"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not rules_selected(str(value)):
            families = ", ".join(f"'{name}'" for name in sorted(FAMILIES.values()))
            self.fail(f"{value!r} is neither a family ({families}) nor a code prefix such as J6 or J70", param, ctx)
        return str(value)


@main.command()
@click.option(
    "--family",
    type=_RuleSelector(),
    help='Only the rules of one family: its name ("contact policy") or a code prefix (J6, J70), as in the settings.',
)
@click.option(
    "--output-format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text: a table per family; json: a list of rules (see docs/cli.md).",
)
@_guard
def rules(family: str | None, output_format: str) -> None:
    """List every rule: code, name, family, default severity and summary."""
    selected = rules_selected(family) if family else rules_in()
    click.echo(render_rules_json(selected) if output_format == "json" else render_rules_text(selected))


@main.command()
@click.argument("code")
@_guard
def explain(code: str) -> None:
    """Explain a rule: what it does, why it matters, an example and how to fix it.

    CODE is a rule code such as J102 (or j102), or a rule name such as unknown-event.
    """
    found = find_rule(code)
    if found is None:
        close = suggest_rule(code)
        hint = f' (did you mean "{close}"?)' if close else " (`journeyc rules` lists them)"
        raise click.UsageError(f'"{code}" is not a journeyc rule{hint}')
    click.echo(render_explain(found))


@main.command()
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Where to write the build (default: build/ in the project folder).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 and list the files that differ when the build on disk is not what the sources give.",
)
@_guard
def build(path: str | None, out: str | None, check_only: bool) -> None:
    """Compile a project: a Python module per journey, data, channel templates and manifest.json.

    The project must have no errors (they are printed, and the exit code is 1). The output is the same byte for
    byte on every machine; commit it and review it in pull requests, and run `journeyc build --check` in CI.
    """
    from journeyc.build import build_outputs, build_problems, compare, shown_path, write
    from journeyc.emit.pyliteral import UnsafeValueError

    result = check_project(find_project(path))
    if result.errors:
        _print_problems(result)
        sys.exit(1)
    problems = build_problems(result)
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"nothing built: {len(problems)} template{'s' * (len(problems) != 1)} cannot be compiled", err=True)
        sys.exit(1)
    try:
        expected = build_outputs(result)
    except UnsafeValueError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("nothing built: fix the value in the sources", err=True)
        sys.exit(1)
    out_dir = Path(out) if out else result.files.root / "build"
    shown = shown_path(out_dir)
    if check_only:
        difference = compare(expected, out_dir, shown)
        if difference.clean:
            click.echo(f"{shown}: up to date ({len(expected)} files)")
            return
        for word, paths in (
            ("missing", difference.missing),
            ("extra", difference.extra),
            ("changed", difference.changed),
        ):
            for file in paths:
                click.echo(f"{word}: {shown}/{file}")
        count = len(difference.missing) + len(difference.extra) + len(difference.changed)
        differ = "file differs" if count == 1 else "files differ"
        click.echo(f"{shown}: {count} {differ} from the sources; run `journeyc build`")
        sys.exit(1)
    done = write(expected, out_dir, shown)
    for file in done.kept:
        click.echo(f"kept: {shown}/{file} (the last build wrote it, but it was changed since; remove it if unneeded)")
    journeys = len(result.project.journeys)
    kept = f", {len(done.kept)} kept" if done.kept else ""
    click.echo(
        f"built {journeys} journey{'s' * (journeys != 1)} into {shown}: {len(expected)} files, "
        f"{done.written} written, {done.removed} removed{kept}"
    )


@main.command(name="watch")
@click.argument("path", required=False, type=click.Path())
@click.option("--out", type=click.Path(file_okay=False), help="Where to build (default: build/ in the project folder).")
@click.option("--no-build", is_flag=True, help="Only check; write nothing.")
@_guard
def watch_command(path: str | None, out: str | None, no_build: bool) -> None:
    """Check, and build when there are no errors, on every save of a .journey or template file.

    Only changed files are parsed again. Mistakes are printed, never fatal; stop with Ctrl-C.
    """
    from journeyc.build import shown_path
    from journeyc.watch import Round, watch

    root = find_project(path).root
    out_dir = None if no_build else (Path(out) if out else root / "build")

    def report(round_: Round) -> None:
        _echo_round(round_)
        if round_.result is not None:
            line = _summary_line(round_.result)
            built = f"; built into {shown_path(out_dir)}" if round_.built and out_dir is not None else ""
            click.echo(f"{line} ({round_.seconds:.2f} s){built}")
        if round_.problem is not None:
            click.echo(f"journeyc: {round_.problem}")
        if round_.skipped is not None:
            click.echo(f"not built: {round_.skipped}")
        click.echo("watching for changes (Ctrl-C to stop)")

    watch(path, out_dir, report, around_round=collector_paused, around_small_round=collector_paused_young)
    click.echo("stopped")


def _echo_round(round_: Any) -> None:
    """What changed since the last round of `watch` (or `docs --serve`), and the project's problems now."""
    if round_.changed:
        click.echo(f"changed: {', '.join(round_.changed)}")
    if round_.result is not None:
        for diagnostic in round_.result.diagnostics:
            click.echo(render_full(diagnostic, round_.result.sources))
            click.echo("")


@main.command()
@click.argument("path", required=False, type=click.Path())
@click.option("--events", "events_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The event log: Segment calls, one JSON object per line.")  # fmt: skip
@click.option("--until", required=True, help="Run the clock until this ISO 8601 time, e.g. 2026-04-01T00:00:00Z.")
@click.option("--outbox", type=click.Path(dir_okay=False), help="Write every attempted send here, one JSON per line.")
@click.option("--customer", help="Print this customer's timeline (a userId or anonymousId) instead of the summary.")
@_guard
def simulate(path: str | None, events_file: str, until: str, outbox: str | None, customer: str | None) -> None:
    """Run the compiled journeys on a virtual clock over an event log: who gets what, and when.

    Exits 0 when the run completed (rejected events are reported, not fatal), 1 when the project has errors.
    """
    from journeyc.runtime.eventlog import parse_time
    from journeyc.simulate import LOG_BUFFER, nobody, simulate_to_outbox, summary, timeline

    try:
        end = parse_time(until)
    except ValueError as error:
        raise click.BadParameter(f"{until!r} is not an ISO 8601 time in the years 0001 to 9999",
                                 param_hint="--until") from error  # fmt: skip
    target = _outbox_path(outbox, events_file) if outbox else None
    result = check_project(find_project(path))
    if result.errors:
        _print_problems(result)
        sys.exit(1)

    def progress(done: int, total: int) -> None:
        click.echo(f"\rsimulating: {done:,} of {total:,} events", nl=False, err=True)

    show = progress if sys.stderr.isatty() else None
    # Read in binary mode: orjson reads the bytes as they are (read_log reads a line that is not UTF-8 as text mode
    # with errors="replace" would). Lines end at \n only: a lone \r inside a line is JSON whitespace.
    with open(events_file, "rb", buffering=LOG_BUFFER) as handle, _stopped_by_sigterm():
        simulation = simulate_to_outbox(result, handle, end, target, show, trace={customer} if customer else ())
    if show is not None:
        click.echo("", err=True)
    lines = timeline(simulation, customer) if customer else summary(simulation)
    if customer and not lines:
        lines = [nobody(customer, until)]
    for line in lines:
        click.echo(line)


def _outbox_path(outbox: str, events_file: str) -> Path:
    """Where --outbox writes: refused when it is the event log itself, not a regular file (a device such as
    /dev/null, a folder), or in a folder that cannot be written. A symbolic link is followed, and kept."""
    target = Path(outbox).resolve()
    if target.exists():
        if not target.is_file():
            raise click.BadParameter(f"{outbox!r} is not a regular file: the outbox replaces the file it is given",
                                     param_hint="--outbox")  # fmt: skip
        if os.path.samefile(target, events_file):
            raise click.BadParameter(f"{outbox!r} is the event log (--events): writing it would lose the log",
                                     param_hint="--outbox")  # fmt: skip
    folder = target.parent
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        raise click.BadParameter(f"cannot write {outbox!r}: {folder} is not a folder you can write to",
                                 param_hint="--outbox")  # fmt: skip
    return target


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """While a simulation runs, SIGTERM stops it as Ctrl-C does: cleanly, without a half-written outbox left
    behind (library code cannot install a signal handler; the command line can). The old handler comes back."""

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals as they are
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command(name="test")
@click.argument("path", required=False, type=click.Path())
@_guard
def test_command(path: str | None) -> None:
    """Run the journey tests (*.test.toml files) of a project: scenarios with the messages they expect.

    The format is in docs/testing.md. A test file journeyc cannot read fails with what is wrong in it, and the
    other tests still run. Exits 0 when every test passes, 1 when one fails or the project has errors.
    """
    from journeyc.journey_tests import find_tests, run_test
    from journeyc.runtime.plan_types import printable

    result = check_project(find_project(path))
    if result.errors:
        _print_problems(result)
        sys.exit(1)
    tests = find_tests(result.files.root)
    outcomes = [run_test(test, result) for test in tests]
    for outcome in outcomes:  # (printable: a test file's names and texts never reach the terminal raw)
        click.echo(printable(f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.file}  ({outcome.journey})"))
        for line in outcome.lines:
            click.echo(printable(f"    {line}"))
    failed = sum(not o.passed for o in outcomes)
    click.echo(
        f"{len(outcomes)} journey test{'s' * (len(outcomes) != 1)}: {len(outcomes) - failed} passed, {failed} failed"
    )
    sys.exit(1 if failed else 0)


# ---------------------------------------------------------------- editor tooling: fmt, lsp
@main.command(name="fmt")
@click.argument("path", required=False, type=click.Path())
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; list the files that are not formatted and exit 1 if there are any.")  # fmt: skip
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print what formatting would change as a unified diff, exit 1 if anything.")  # fmt: skip
@_guard
def fmt_command(path: str | None, check_only: bool, show_diff: bool) -> None:
    """Lay out .journey files the one canonical way, keeping comments and meaning.

    PATH is a project folder (every .journey file below it) or one .journey file. A file with syntax errors is
    left as it is and its errors are printed. Exits 0 when done (or, with --check or --diff, when every file is
    formatted already), 1 when a file has syntax errors or would change, 2 on a usage or internal error.
    """
    from journeyc.fmt import FormatterError
    from journeyc.fmt.files import format_files, unified_diff, write_formatted

    files = find_project(path)
    prefix = root_prefix(files.root)
    try:
        outcomes = format_files(files)
    except FormatterError as error:
        click.echo(f"journeyc: internal error: {error} (please report this)", err=True)
        sys.exit(2)
    changed = broken = 0
    for item in outcomes:
        shown = prefix + item.path
        if item.result is None or item.result.text is None:
            broken += 1
            original = item.result.original if item.result is not None else ""
            for diagnostic in item.result.problems if item.result is not None else ():
                click.echo(render_full(diagnostic, {item.path: original}), err=True)
                click.echo("", err=True)
            why = item.unreadable if item.unreadable is not None else "it has syntax errors"
            click.echo(f"not formatted: {shown} ({why})", err=True)
        elif item.changed:
            changed += 1
            if show_diff:
                click.echo(unified_diff(item, shown), nl=False)
            elif check_only:
                click.echo(f"would format: {shown}")
            else:
                write_formatted(files, item)
                click.echo(f"formatted: {shown}")
    click.echo(_fmt_summary(len(outcomes), changed, broken, dry=check_only or show_diff), err=show_diff)
    sys.exit(1 if broken or (changed and (check_only or show_diff)) else 0)


def _fmt_summary(total: int, changed: int, broken: int, dry: bool) -> str:
    unchanged = total - changed - broken
    done = "would be formatted" if dry else "formatted"
    words = [f"{changed} file{'s' * (changed != 1)} {done}", f"{unchanged} already formatted"]
    if broken:
        words.append(f"{broken} not formatted")
    return ", ".join(words)


@main.command(name="lsp")
@click.option("--stdio", is_flag=True, help="Talk over stdin and stdout (the default and only way; editors pass it).")
@_guard
def lsp_command(stdio: bool) -> None:
    """Run the language server for editors: diagnostics as you type, hover, go to definition, references,
    completion, outline, formatting, rename and quick fixes (see docs/editor.md).

    An editor starts it and talks to it over stdin and stdout; it is not meant to be run by hand.
    """
    from journeyc.lsp.server import serve

    serve(around_check=collector_paused)


# ---------------------------------------------------------------- review tooling: graph, diff, breaking
@main.command(name="graph")
@click.argument("path", required=False, type=click.Path())
@click.option("--journey", "journeys", multiple=True, metavar="NAME",
              help="Draw this journey's flowchart (repeatable with --format markdown or dot); "
              "without it, the project's journey map.")  # fmt: skip
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("mermaid", "dot", "markdown")),
    default="mermaid",
    show_default=True,
    help="mermaid: a Mermaid flowchart; dot: Graphviz DOT; markdown: ```mermaid blocks with headings, for a "
    "pull-request comment.",
)
@_guard
def graph_command(path: str | None, journeys: tuple[str, ...], output_format: str) -> None:
    """Draw the journey map (stages by teams), or a journey as a flowchart.

    The flowchart shows the trigger, waits with their durations, branches with their conditions, experiment arms
    with their weights, sends with channel and offer, the goal and the exits. The project must have no errors.
    """
    from journeyc.graph import GraphRequestError, graph_output

    result = check_project(find_project(path))
    if result.errors:
        _print_problems(result)
        sys.exit(1)
    try:
        click.echo(graph_output(result.project, journeys, output_format), nl=False)
    except GraphRequestError as error:
        raise click.UsageError(str(error)) from error


def _against(path: str | None, ref: str, into: Path) -> tuple[CheckResult, Any]:
    """The project on disk (exit 1 with its problems when it has errors) and the project at `ref`."""
    from journeyc.review.gitref import GitRefError, project_at

    files = find_project(path)
    new = check_project(files)
    if new.errors:
        _print_problems(new)
        sys.exit(1)
    try:
        return new, project_at(files, ref, into)
    except GitRefError as error:
        raise click.BadParameter(str(error), param_hint="--against") from error


@main.command(name="diff")
@click.argument("path", required=False, type=click.Path())
@click.option("--against", required=True, metavar="GIT_REF", help="The commit to compare with: a branch, tag or id.")
@click.option("--output-format", type=click.Choice(("text", "markdown", "json")), default="text", show_default=True,
              help="text: sentences; markdown: a pull-request comment with flowcharts; json: machine-readable.")  # fmt: skip
@click.option("--events", "events_file", type=click.Path(exists=True, dir_okay=False),
              help="Also backtest both versions on this event log (JSON Lines, Segment spec).")  # fmt: skip
@click.option("--until", help="With --events: run the clock until this ISO 8601 time.")
@_guard
def diff_command(
    path: str | None, against: str, output_format: str, events_file: str | None, until: str | None
) -> None:
    """What changes for customers between GIT_REF and the project on disk, from the two IRs.

    Journeys (settings, steps, when each send happens), offers, messages, segments, the contact policy, the
    tracking plan and the volume each team can send under each cap. With --events and --until, both versions also
    run over the same history and the differences in what customers would have received are reported.
    """
    import tempfile

    from journeyc.review import diff
    from journeyc.runtime.eventlog import parse_time

    if (events_file is None) != (until is None):
        raise click.UsageError("--events and --until go together: the backtest needs both")
    end = None
    if until is not None:
        try:
            end = parse_time(until)
        except ValueError as error:
            raise click.BadParameter(f"{until!r} is not an ISO 8601 time", param_hint="--until") from error
    lines = None
    if events_file is not None:
        with open(events_file, encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
    with tempfile.TemporaryDirectory(prefix="journeyc-against-") as folder:
        new, old = _against(path, against, Path(folder))
        changes = diff.compare_versions(old, new, lines, end, until)
    if output_format == "json":
        click.echo(diff.render_json(changes), nl=False)
    elif output_format == "markdown":
        click.echo(diff.render_markdown(changes, new.project), nl=False)
    else:
        click.echo(diff.render_text(changes), nl=False)


@main.command(name="breaking")
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--against", required=True, metavar="GIT_REF", help="The commit live runs started on: a branch, tag or id."
)
@click.option("--output-format", type=click.Choice(("full", "json", "github")), default="full", show_default=True,
              help="full: readable text with code frames; json: machine-readable; github: annotations.")  # fmt: skip
@_guard
def breaking_command(path: str | None, against: str, output_format: str) -> None:
    """Exit 1 when the change would hurt customers already inside a journey on the live runtime.

    Removed or moved waits where runs can be waiting, changed triggers, keys or entry rules of journeys with runs
    in flight, events, properties or traits those runs still read, offer codes that now mean another value, and
    messages, channels or offers they will still send (codes B001-B012, see docs/review.md).
    """
    import tempfile

    from journeyc.review.breaking import breaking_changes
    from journeyc.review.findings import render_github, render_json, summary_line

    with tempfile.TemporaryDirectory(prefix="journeyc-against-") as folder:
        new, old = _against(path, against, Path(folder))
        findings = breaking_changes(old.result, new, old.name)
    if output_format == "json":
        click.echo(render_json(findings, old.name), nl=False)
    elif output_format == "github":
        prefix = root_prefix(new.files.root)
        for finding in findings:
            click.echo(render_github(finding, prefix))
        click.echo(summary_line(findings, old.name))
    else:
        for finding in findings:
            click.echo(render_full(finding, new.sources))
            click.echo("")
        click.echo(summary_line(findings, old.name))
    sys.exit(1 if findings else 0)


# ---------------------------------------------------------------- the project as a site: docs
@main.command(name="docs")
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--out", type=click.Path(file_okay=False), help="Where to write the site (default: site/ in the project folder)."
)
@click.option("--events", "events_file", type=click.Path(exists=True, dir_okay=False),
              help="Also simulate this event log (JSON Lines, Segment spec) and show funnels and timelines.")  # fmt: skip
@click.option("--until", help="With --events: run the clock until this ISO 8601 time, e.g. 2026-04-01T00:00:00Z.")
@click.option("--serve", is_flag=True, help="Serve the site on 127.0.0.1, rebuild it on every save and reload open "
              "pages; stop with Ctrl-C.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="With --serve: the port (0: any free one).")  # fmt: skip
@_guard
def docs_command(
    path: str | None, out: str | None, events_file: str | None, until: str | None, serve: bool, port: int
) -> None:
    """Write the project as a static site: the journey map, a page per journey and message (with previews for
    sample customers), the tracking plan, profile, segments, offers, channels and contact policy, searchable.

    With --events and --until, a simulation page too: funnels, drops by reason, experiment arms and each customer's
    timeline. Open site/index.html in a browser; no server is needed. The project must have no errors.
    """
    from journeyc.build import shown_path
    from journeyc.runtime.eventlog import parse_time
    from journeyc.site.job import SiteJob

    if (events_file is None) != (until is None):
        raise click.UsageError("--events and --until go together: the simulation needs both")
    try:
        end = parse_time(until) if until is not None else None
    except ValueError as error:
        raise click.BadParameter(f"{until!r} is not an ISO 8601 time", param_hint="--until") from error
    out_dir = Path(out) if out else find_project(path).root / "site"
    job = SiteJob(out_dir, shown_path(out_dir), Path(events_file) if events_file else None, end)
    if serve:
        from journeyc.site.serve import serve as serve_site
        from journeyc.watch import Round

        def report(round_: Round, what: str | None) -> None:
            _echo_round(round_)
            if round_.result is not None:
                click.echo(_summary_line(round_.result))
            if round_.problem is not None:
                click.echo(f"journeyc: {round_.problem}")
            if what is not None:
                click.echo(what)
            click.echo("watching for changes (Ctrl-C to stop)")

        announce = lambda url: click.echo(f"serving {job.shown} at {url}")  # noqa: E731
        serve_site(path, out_dir, port, job.rebuild, report, announce, around_round=collector_paused)
        click.echo("stopped")
        return
    result = check_project(find_project(path))
    if result.errors:
        _print_problems(result)
        sys.exit(1)
    written, what = job.rebuild(result)
    if not written:
        click.echo(f"error: {what.removeprefix('site not rebuilt: ')}", err=True)
        click.echo("no site written", err=True)
        sys.exit(1)
    click.echo(what)


def _print_problems(result: CheckResult) -> None:
    for diagnostic in result.diagnostics:
        click.echo(render_full(diagnostic, result.sources), err=True)
        click.echo("", err=True)
    click.echo(_summary_line(result), err=True)


@main.command()
@_guard
def schema() -> None:
    """Print the JSON Schema of the IR that `journeyc ir` prints."""
    from journeyc.ir import Project

    click.echo(json.dumps(Project.model_json_schema(), indent=2, sort_keys=True))


LIVE_COMMANDS = ("worker", "dev", "inspect", "intake", "send-events")


def _live_commands() -> None:
    if all(name in main.commands for name in LIVE_COMMANDS):
        return
    from journeyc.cli_live import dev, inspect, intake, send_events, worker

    for command in (worker, dev, inspect, intake, send_events):
        main.add_command(command)


LONG_RUNNING = ("watch", "lsp", "worker", "dev", "intake")  # commands that keep the cyclic collector on


def run() -> None:
    """The `journeyc` program: `main` with the cyclic garbage collector off, except for the long-running commands.

    Every other command ends when its work is done. What it builds (the IR, diagnostics) lives to the end, and
    the collector would scan it again and again for cycles it does not have (benchmarks/README.md, "The collector
    during a check", says what that costs); the little cyclic garbage a command makes is freed at exit. `watch`,
    `lsp` and `docs --serve` run for hours, so they keep the collector and pause it during each round
    (`collector_paused`). Only the command line changes the collector: library calls (`check_project`,
    `simulate`) leave it as they found it.
    """
    if sys.argv[1:2] not in [[name] for name in LONG_RUNNING] and not (
        sys.argv[1:2] == ["docs"] and "--serve" in sys.argv
    ):
        gc.disable()
    try:
        main(prog_name="journeyc")
    except SystemExit as done:
        if "temporalio.bridge" not in sys.modules:
            raise
        _exit_now(done.code)


def _exit_now(code: object) -> None:
    """End a process that used Temporal's client without the interpreter's shutdown: the client's threads (Rust,
    outside Python's control) may still run while the interpreter tears down, and then it aborts (SIGABRT), a
    known issue of temporalio (sdk-python #300). Everything the command wrote is flushed first."""
    status = code if isinstance(code, int) else 0 if code is None else 1
    if not isinstance(code, int) and code is not None:
        print(code, file=sys.stderr)  # (what SystemExit("message") prints)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
