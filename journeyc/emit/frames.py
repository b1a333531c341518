"""The emitters' Jinja2 templates, from targets/ (one folder per target; shipped inside the package)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def targets_dir() -> Path:
    """targets/ inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "targets", here.parent / "targets"):
        if candidate.is_dir():
            return candidate
    return here / "targets"


@functools.cache
def _environment() -> Environment:
    # Code templates: no autoescape (values are already Python literals), strict about missing variables,
    # and exact about whitespace so the output is stable byte for byte.
    return Environment(
        loader=FileSystemLoader(str(targets_dir())),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_frame(name: str, **values: Any) -> str:
    return _environment().get_template(name).render(**values)
