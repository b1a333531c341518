"""One `journeyc docs` run: where the site goes, the event log to simulate, and writing the site of a checked project
(once, or after every save with `--serve`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeyc.build import build_problems
from journeyc.emit.pyliteral import UnsafeValueError
from journeyc.graph.d2 import DiagramError
from journeyc.pipeline import CheckResult
from journeyc.site.build import build_site
from journeyc.site.folder import write_site
from journeyc.site.simulation import simulate_log


@dataclass(frozen=True)
class SiteJob:
    out: Path
    shown: str  # the folder as messages name it
    events: Path | None = None
    until: float | None = None

    def rebuild(self, result: CheckResult) -> tuple[bool, str]:
        """Write the site of `result`: whether it was written, and what was done or why not, in plain words."""
        if result.errors:
            return False, f"site not rebuilt: the project has {result.errors} error{'s' * (result.errors != 1)}"
        problems = build_problems(result)
        if problems:
            return False, "site not rebuilt: " + "; ".join(problems)
        report = simulate_log(result, self.events, self.until) if self.events and self.until is not None else None
        try:
            files = build_site(result, report, self.events.name if self.events else None)
        except (UnsafeValueError, DiagramError) as error:
            return False, f"site not rebuilt: {error}"
        done = write_site(files, self.out, self.shown)
        kept = f", {len(done.kept)} kept (changed since the last site)" if done.kept else ""
        return True, f"wrote the site into {self.shown}: {len(files)} files, {done.written} written, " \
                     f"{done.removed} removed{kept}"  # fmt: skip
