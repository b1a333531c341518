"""The TLS settings providers use when none are given: the system's trusted certificates, loaded once per process.

Loading them took most of a delivery's time when done for each connection (benchmarks/README.md, runtime_bench).
An SSLContext is safe to share between the threads that deliver.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def system_tls() -> ssl.SSLContext:
    return ssl.create_default_context()
