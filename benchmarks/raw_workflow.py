"""The empty workflow `runtime_bench.py` measures the dev server's raw rate with: it takes one signal and ends.

A module of its own, because Temporal's sandbox imports a workflow's module again for each run.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow


@workflow.defn(name="bench.empty")
class Empty:
    def __init__(self) -> None:
        self.got = 0

    @workflow.signal(name="calls")
    def calls(self, batch: dict[str, Any]) -> None:
        self.got += 1

    @workflow.run
    async def run(self, start: dict[str, Any]) -> None:
        await workflow.wait_condition(lambda: self.got > 0)
