"""The collector pause around a check or a simulation: off meanwhile, as before afterwards, nothing left young."""

from __future__ import annotations

import gc

from journeyc.collector import collector_paused


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation))


def test_what_the_block_built_goes_to_the_oldest_generation_without_a_scan():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        made = [{"built": index} for index in range(1000)]
    assert gc.isenabled()
    assert _in_generation(made, 2) and not _in_generation(made, 0)
    assert gc.get_count()[0] < 100  # no pass over the 1,000 dicts is due
    assert gc.get_freeze_count() == 0  # the collector still sees them: their cycles, if any, will be collected


def test_freeze_takes_what_lives_out_of_the_collectors_sight():
    try:
        with collector_paused(freeze=True):
            made = [[] for _ in range(10)]
        assert gc.get_freeze_count() >= len(made)
        assert not any(_in_generation(made, generation) for generation in range(3))
    finally:
        gc.unfreeze()
