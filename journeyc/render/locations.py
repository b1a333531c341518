"""Where a project's files are, seen from the folder journeyc runs in (CI annotations name repository paths)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def root_prefix(root: Path, cwd: Path | None = None) -> str:
    """The project folder as a prefix for its display paths, when the project is inside `cwd`; else "".

    `journeyc check journeys` run at the top of a repository gives "journeys/", so "cart.journey" is reported as
    "journeys/cart.journey", the path GitHub knows. A project run from its own folder, or outside the working
    folder, keeps the project-relative paths of every other format (never an absolute, machine-specific path).
    """
    here = (cwd or Path.cwd()).resolve()
    where = root.resolve()
    if here in where.parents:
        return PurePosixPath(where.relative_to(here)).as_posix() + "/"
    return ""
