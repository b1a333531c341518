"""The `journeyc` command line. Thin: it finds the project, runs the pipeline and renders the result.

Exit codes: 0 no errors, 1 errors in the project, 2 a usage or internal error.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from journeyc import __version__
from journeyc.ir import Project
from journeyc.load import ProjectNotFoundError, find_project
from journeyc.pipeline import CheckResult, check_project
from journeyc.render.full import render_full
from journeyc.render.json_format import render_json

OUTPUT_FORMATS = ("full", "json")


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
        except RecursionError:
            click.echo("journeyc: internal error: the input is nested too deeply to process", err=True)
            sys.exit(2)
        except Exception as error:
            click.echo(f"journeyc: internal error: {type(error).__name__}: {error} (please report this)", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="journeyc")
def main() -> None:
    """journeyc: journeys as code.

    Checks .journey files (journeys, segments, messages, offers and the contact policy) against the tracking
    plan and each other. PATH is a project folder (every .journey file below it) or one .journey file; without
    PATH, the project in the current folder (found by a journeyc.toml or [tool.journeyc] in pyproject.toml).
    """


def _summary(result: CheckResult) -> dict[str, int]:
    focus = result.files.focus
    if focus is not None:
        files = 1
        journeys = sum(1 for journey in result.project.journeys.values() if journey.span.file == focus)
    else:
        files = len([f for f in result.project.files if not f.startswith("stdlib/")])
        journeys = len(result.project.journeys)
    return {
        "files": files,
        "journeys": journeys,
        "errors": result.errors,
        "warnings": result.warnings,
    }


def _summary_line(result: CheckResult) -> str:
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
    help="full: readable text with code frames; json: machine-readable (see docs/cli.md).",
)
@click.option("--color/--no-color", default=None, help="Colour the text output (default: when printing to a terminal).")
@_guard
def check(path: str | None, output_format: str, color: bool | None) -> None:
    """Check a project (or one file) and report every problem.

    Exits 0 when there are no errors, 1 when there are, 2 on a usage or internal error.
    """
    result = check_project(find_project(path))
    if output_format == "json":
        click.echo(render_json(result.diagnostics, _summary(result)))
    else:
        use_colour = sys.stdout.isatty() if color is None else color
        style = click.style if use_colour else (lambda text, **_: text)
        for diagnostic in result.diagnostics:
            click.echo(render_full(diagnostic, result.sources, style), color=use_colour)
            click.echo("")
        click.echo(_summary_line(result))
    sys.exit(1 if result.errors else 0)


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


@main.command()
@_guard
def schema() -> None:
    """Print the JSON Schema of the IR that `journeyc ir` prints."""
    click.echo(json.dumps(Project.model_json_schema(), indent=2, sort_keys=True))


if __name__ == "__main__":  # pragma: no cover
    main()
