"""Edit-to-diagnostics latency of `journeyc lsp` on the 1,000-file benchmark project.

Starts the language server as an editor does (a subprocess over stdio, driven by pygls's client), opens one journey
file, waits for the first check, then types edits into it (a wait changed, a message name misspelt and fixed, a
line added, a number changed) and times each from the change sent to the diagnostics of that version received.
The server's CPU time per edit is read from /proc (the machine may be shared: wall time then includes waiting).
Run: .venv/bin/python benchmarks/lsp_bench.py [--files N] [--edits N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from project_gen import generate
from pygls.lsp.client import LanguageClient


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def edited_file(root: Path) -> Path:
    """The journey file the benchmarks edit: the middle one of those with a wait and a send step."""
    files = [p for p in sorted(root.rglob("*.journey")) if "  wait " in (t := p.read_text("utf-8")) and "  send " in t]
    return files[len(files) // 2]


def edits_of(text: str) -> list[str]:
    """Edits inside one journey, as typed: each gives a new text of the file (the last puts it back)."""
    wait = text.index("  wait ")
    send = text.index("  send ")
    name_end = text.index("\n", send)
    return [
        text[:wait] + "  wait 3 days\n" + text[wait:],  # a step added
        text[:name_end] + "x" + text[name_end:],  # a message name misspelt: an error
        text,  # fixed
        text[:wait] + "  # wait less?\n" + text[wait:],  # a comment
        text.replace("entry once", "entry at most once every 30 days", 1),
        text,
    ]


async def measure(root: Path, edits: int) -> tuple[float, list[float], list[float]]:
    client = LanguageClient("lsp-bench", "1")
    received: dict[int, float] = {}
    target = edited_file(root)
    uri = target.as_uri()
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.uri == uri and params.version is not None:
            received[params.version] = time.perf_counter()
            arrived.set()

    await client.start_io(sys.executable, "-m", "journeyc", "lsp")
    pid = client._server.pid  # the server process, for its CPU time
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri(), process_id=os.getpid())
    )
    client.initialized(types.InitializedParams())
    text = target.read_text(encoding="utf-8")
    start = time.perf_counter()
    item = types.TextDocumentItem(uri=uri, language_id="journey", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    await wait_for(received, arrived, 1)
    first = time.perf_counter() - start
    latencies, cpus = [], []
    versions = edits_of(text)
    for n in range(edits):
        version = n + 2
        before = cpu_seconds(pid)
        sent = time.perf_counter()
        change = types.TextDocumentContentChangeWholeDocument(text=versions[n % len(versions)])
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        await wait_for(received, arrived, version)
        latencies.append(received[version] - sent)
        after = cpu_seconds(pid)
        if before is not None and after is not None:
            cpus.append(after - before)
        await asyncio.sleep(0.05)  # a typist's pause: each edit is checked on its own
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return first, latencies, cpus


async def wait_for(received: dict[int, float], arrived: asyncio.Event, version: int) -> None:
    while version not in received:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), timeout=600)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--files", type=int, default=1000, help="files in the project (default 1000)")
    args.add_argument("--edits", type=int, default=120, help="edits to time (default 120)")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeyc-lsp-") as folder:
        root = Path(folder)
        generate(root, opts.files)
        first, latencies, cpus = asyncio.run(measure(root, opts.edits))
    ms = [1000 * x for x in latencies]
    print(f"journeyc lsp latency: {opts.files} files, first check of the opened file {first:.2f} s")
    print(f"  edit to diagnostics over {len(ms)} edits: p50 {percentile(ms, 0.5):.0f} ms, p90 "
          f"{percentile(ms, 0.9):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, worst {max(ms):.0f} ms")  # fmt: skip
    if cpus:
        cpu = [1000 * x for x in cpus]
        print(f"  server CPU per edit: median {statistics.median(cpu):.0f} ms, p99 {percentile(cpu, 0.99):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
