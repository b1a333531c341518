"""Fuzz cases: a seed turned into a mutated copy of a project, event log or journey test folder.

A case is deterministic in its seed: `project_case(seed, into)` writes the same files every time and returns what
it did, so a failure reported as "seed 1234" is replayed by calling it again (tests/fuzz_main.py --replay).
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import fuzz_text as text

REPO = Path(__file__).resolve().parent.parent
SOURCES = (
    REPO / "journeys",
    REPO / "examples" / "coffee_shop",
    REPO / "examples" / "conflicts",
    REPO / "examples" / "pet_store",
    REPO / "examples" / "restaurant_waitlist",
)
CONFIG = "journeyc.toml"
EXTRA_CHANNELS = REPO / "tests" / "fixtures" / "fuzz_extra_channels.journey"
CONFIG_TEXTS = (
    'fail-on = "warning"\n', 'select = []\n', 'ignore = ["J"]\n', 'severity = { J101 = "off", J203 = "warning" }\n',
    'redundancy-window = "0 seconds"\n', 'redundancy-window = "99999999999999999999 days"\n',
    "sms-max-segments = 0\n", "sms-max-segments = -1\n", "push-title-max = 1e999\n", 'email-subject-max = "x"\n',
    'per-file-ignores = { "**" = ["J"] }\n', 'per-file-ignores = { "[" = ["J1"] }\n', "select = 5\n",
    "[delivery]\nemail = 3\n", "nope = 1\n", "sms-max-segments = " + "9" * 5000 + "\n", "\x00", "= =", "[[x]]\n[x]\n", 'fail-on = "\u202eerror"\n',
)  # fmt: skip


@dataclass
class Case:
    seed: int
    root: Path  # the mutated copy
    source: Path  # what it is a copy of
    done: list[str] = field(default_factory=list)  # what was mutated, in words
    # The mutation touched the settings or the folder itself: exit 2 is then a documented usage error.
    usage_possible: bool = False

    def focus(self) -> Path:
        """One .journey file of the case, to check alone (the same for a seed); a regular file, since any other
        PATH (a dangling link, a folder) is a usage error by design."""
        files = sorted(p for p in self.root.rglob("*.journey") if p.is_file() and not p.is_symlink())
        return files[self.seed % len(files)] if files else self.root

    def describe(self) -> str:
        return f"seed {self.seed} on {self.source.relative_to(REPO)}: " + "; ".join(self.done)


def _copy(source: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(source, into, symlinks=True, ignore=shutil.ignore_patterns("build", "site", "__pycache__"))
    return into


def _files(root: Path, suffix: str) -> list[Path]:
    return sorted(p for p in root.rglob(f"*{suffix}") if p.is_file() and not p.is_symlink())


def _read(path: Path) -> str:
    """A file's text; bytes that are not UTF-8 (an earlier mutation's) survive a read and a write unchanged."""
    return path.read_bytes().decode("utf-8", "surrogateescape")


def _write(path: Path, content: str) -> None:
    path.write_bytes(content.encode("utf-8", "surrogateescape"))


# ---------------------------------------------------------------- projects
def _mutate_file(rng: random.Random, case: Case, path: Path, gentle: bool = False) -> None:
    shown = path.relative_to(case.root).as_posix()
    data = path.read_bytes()
    case.usage_possible |= path.name == CONFIG
    if not gentle and rng.random() < 0.08:
        data, what = text.random_bytes(rng, data)
        path.write_bytes(data)
        case.done.append(f"{shown}: {what}")
        return
    content = _read(path)
    if path.name == CONFIG:
        if rng.random() < 0.5:
            new = rng.choice(CONFIG_TEXTS)
            content, what = content + new, f"append {new.strip()!r}"
            _write(path, content)
            case.done.append(f"{shown}: {what}")
            return
        mutators = text.LINE_MUTATORS
    elif path.suffix == ".mjml":
        mutators = text.TEMPLATE_MUTATORS
    else:
        mutators = text.GENTLE_MUTATORS if gentle else text.JOURNEY_MUTATORS
    content, what = text.mutate(rng, content, mutators, rng.choice((1, 1, 2, 3)))
    _write(path, content)
    case.done.extend(f"{shown}: {w}" for w in what)


def _rename_everywhere(rng: random.Random, case: Case) -> None:
    """One declared name replaced by a hostile one in every .journey file: the project often stays valid, so the
    build and the generated code see the name."""
    sources = _files(case.root, ".journey")
    names = sorted(
        {
            parts[i + 2].text
            for path in sources
            for parts in [text.tokens(_read(path))]
            for i in range(len(parts) - 2)
            if parts[i].text in ("journey", "message", "offer", "segment", "team", "channel", "shape", "category")
            and parts[i + 2].kind == "name"
        }
    )
    if not names:
        return
    old, new = rng.choice(names), rng.choice(text.HOSTILE_NAMES)
    for path in sources:
        parts = text.tokens(_read(path))
        for part in parts:
            if part.kind == "name" and part.text == old:
                part.text = new
        _write(path, text.join(parts))
    case.done.append(f"rename {old!r} to {new[:30]!r} ({len(new)} characters) everywhere")


def _change_folder(rng: random.Random, case: Case) -> None:
    """A change to the files themselves rather than their text."""
    sources = _files(case.root, ".journey")
    choice = rng.choice(
        ("delete", "duplicate", "empty", "symlink loop", "linked folder", "folder named .journey", "self import",
         "deep folder", "odd file name", "config gone", "dangling link", "link outside")
    )  # fmt: skip
    victim = rng.choice(sources)
    shown = victim.relative_to(case.root).as_posix()
    if choice == "delete":
        victim.unlink()
    elif choice == "duplicate":
        shutil.copy(victim, victim.with_name("copy_of_" + victim.name))
    elif choice == "empty":
        victim.write_bytes(b"")
    elif choice == "symlink loop":
        _link(case.root / "loop.journey", "loop.journey")
    elif choice == "linked folder":
        _link(case.root / "up", "..")
    elif choice == "folder named .journey":
        (case.root / "folder.journey").mkdir(exist_ok=True)
    elif choice == "self import":
        _write(victim, text.self_import(_read(victim), victim.name))
    elif choice == "deep folder":
        deep = case.root.joinpath(*["d"] * 40)
        deep.mkdir(parents=True, exist_ok=True)
        shutil.copy(victim, deep / victim.name)
    elif choice == "odd file name":
        odd = rng.choice(("__init__.journey", "é\u202e.journey", " .journey", "-x.journey", "a b.journey"))
        victim.rename(victim.with_name(odd))
        shown += f" renamed {odd!r}"
    elif choice == "config gone":
        (case.root / CONFIG).unlink(missing_ok=True)
        case.usage_possible = True
    elif choice == "dangling link":
        _link(case.root / "gone.journey", "nowhere/gone.journey")
    else:
        _link(case.root / "outside.journey", os.devnull)
    case.done.append(f"{choice} ({shown})")


def _link(path: Path, target: str) -> None:
    """A symbolic link at `path` (kept as it is when an earlier change of the same case made it already)."""
    if not os.path.lexists(path):
        path.symlink_to(target)


def project_case(seed: int, into: Path) -> Case:
    """A copy of one of the SOURCES in `into`, with one to three random changes."""
    rng = random.Random(seed)
    source = rng.choice(SOURCES)
    case = Case(seed, _copy(source, into), source)
    if source.name == "journeys" and rng.random() < 0.3:  # webhook, in-app and WhatsApp messages to mutate too
        shutil.copy(EXTRA_CHANNELS, case.root / EXTRA_CHANNELS.name)
        case.done.append(f"add {EXTRA_CHANNELS.name}")
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        roll = rng.random()
        if roll < 0.15:
            _rename_everywhere(rng, case)
        elif roll < 0.25:
            _change_folder(rng, case)
        elif roll < 0.5:
            _mutate_file(rng, case, rng.choice(_files(case.root, ".journey")), gentle=True)
        else:
            candidates = [*_files(case.root, ".journey"), *_files(case.root, ".mjml")]
            if (case.root / CONFIG).is_file() and rng.random() < 0.1:
                candidates = [case.root / CONFIG]
            _mutate_file(rng, case, rng.choice(candidates))
    return case
