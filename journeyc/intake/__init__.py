"""The live intake: Segment's HTTP Tracking API in front of the customers' workflows (docs/intake.md).

A request's body is read within its size limit (bodies.py), each call checked against the build's tracking plan
and profile (calls.py, over runtime/segment_spec.py's CallReader, as `journeyc simulate` checks a log), the
accepted calls handed to their customers' workflows by signal-with-start (handoff.py) before the intake answers,
and counted (metrics.py). The routes are in app.py; unsubscribe links and providers' feedback in consent.py.
"""
