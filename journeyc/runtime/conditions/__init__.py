"""Conditions: segment definitions, `where` filters, `if` tests and audiences, read over a customer's profile,
trigger and history. Standard library only: the runtime never imports the compiler.

- data.py: the shape of a condition (TypedDicts, one per kind; `Condition` is their union) and what it means;
- context.py: what a condition is read in (`Context`, `Event`, and the `Indexes` a caller may give);
- compile.py: `compile_condition`, the one evaluator (a function built once per condition), `evaluate` over it,
  and `event_filter`;
- next_change.py: `compile_next_change`, when a condition may next change with no new event (and
  `compile_value_and_change`, both at once);
- reads.py: what a condition reads (`reads`, `event_only`);
- values.py, windows.py: how values compare and how behaviours read the history, shared by the above.
"""

from __future__ import annotations

from journeyc.runtime.conditions.compile import Compiled, compile_condition, evaluate, event_filter
from journeyc.runtime.conditions.context import Context, Event, Indexes, Matches
from journeyc.runtime.conditions.data import Condition
from journeyc.runtime.conditions.next_change import compile_next_change, compile_value_and_change
from journeyc.runtime.conditions.reads import Reads, event_only, reads
from journeyc.runtime.conditions.windows import contribution

__all__ = [
    "Compiled",
    "Condition",
    "Context",
    "Event",
    "Indexes",
    "Matches",
    "Reads",
    "compile_condition",
    "compile_next_change",
    "compile_value_and_change",
    "contribution",
    "evaluate",
    "event_filter",
    "event_only",
    "reads",
]
