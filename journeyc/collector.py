"""Pausing Python's cyclic garbage collector while journeyc builds many objects that live until the work ends.

A check builds the IR of every file, and a simulation builds events and histories: hundreds of thousands of
small objects that stay alive to the end, which the collector would scan again and again for cycles they do not
have. Reference counting still frees everything else at once. The cyclic garbage of a check of 1,000 files is
732 objects; that of a simulation a few hundred, whatever the log's size.

Only the command line (cli.py: each round of `watch` and `docs --serve`) and the benchmarks pause it: library
calls leave the collector as they find it. benchmarks/README.md ("The collector during a check") has the figures.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused_young() -> Iterator[None]:
    """Pause the collector while the block runs, leaving what it built in the youngest generation, for a caller
    that collects it right after (`gc.collect(1)`: only what is young is scanned). For `watch`'s rounds after
    the first: each builds few objects that live on, and its cyclic garbage is among them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the collector while the block runs, then leave it as the caller had it.

    Before the collector runs again, everything the block built is moved out of its youngest generation, else its
    first pass would scan all of it at once. By default it goes to the oldest generation, which Python collects only when it has grown
    by a quarter. `freeze`: out of the collector's sight for good (`gc.freeze`), for results that live until the
    process ends: frozen objects are never collected.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # the freeze, then the unfreeze, move every generation to the oldest without scanning anything
        if not freeze:
            gc.unfreeze()
        if enabled:
            gc.enable()
