"""The intake over real HTTP on loopback, in front of a real Temporal dev server: Segment's own client library and
its documented shapes are accepted and reach the customers' workflows; each rejection says why; write keys,
limits, hostile input (always a 4xx with a reason), back-pressure (503), health, counters and logs."""

from __future__ import annotations

import asyncio
import gzip
import json
import time

import pytest
import requests
from intake_support import WRITE_KEY, running_intake
from live_support import LIVE_PROJECT, live_project

from journeyc.intake.server import bind, build_app, serve_app
from journeyc.runtime.identity import anonymous_key
from journeyc.runtime.intake_settings import IntakeSettings
from journeyc.runtime.times import format_time

pytestmark = pytest.mark.slow  # (a real Temporal dev server, HTTP over loopback)


def _now(offset: float = 0.0) -> str:
    return format_time(time.time() + offset)


def test_segment_library_and_documented_shapes_reach_the_workflows(dev_server, tmp_path):
    """Calls made by segment-analytics-python (gzip batches, context, integrations, sentAt) and the documented single
    call shapes are accepted with 200 and each is applied once by its customer's workflow."""
    from segment.analytics import Client

    project = live_project(tmp_path)

    async def scenario() -> None:
        async with running_intake(project, dev_server, "lib") as intake:
            errors: list[object] = []

            def library() -> None:
                client = Client(WRITE_KEY, host=intake.url, sync_mode=True, gzip=True, max_retries=0,
                                on_error=lambda error, batch: errors.append(error))  # fmt: skip
                client.identify("ana", {"email": "ana@example.com", "email_opt_in": True},
                                context={"timezone": "Europe/Paris", "ip": "1.2.3.4"})  # fmt: skip
                client.track("ana", "Product Viewed", {"product_id": "p1"}, integrations={"All": True})
                client.page("ana", "Docs", "Intake", {"url": "https://shop.example/docs"})
                client.alias("ana-old", "ana")

            await asyncio.to_thread(library)
            assert errors == []
            documented = {"userId": "bo", "event": "Checkout Started", "properties": {"order_id": "o-1"},
                          "context": {"ip": "8.8.8.8", "library": {"name": "http", "version": "1"}},
                          "integrations": {"All": True, "Mixpanel": False}, "timestamp": _now(-0.5),
                          "sentAt": _now(), "messageId": "m-bo-1"}  # fmt: skip
            answer = await intake.post("/v1/track", documented)
            assert answer.status_code == 200 and answer.json() == {"success": True}
            answer = await intake.post("/v1/identify", {"anonymousId": "anon-7", "traits": {"first_name": "Bo"},
                                                        "timestamp": _now()}, zipped=True)  # fmt: skip
            assert answer.status_code == 200, answer.text
            batch = {"batch": [{"type": "track", "userId": "bo", "event": "Order Completed", "timestamp": _now(),
                                "messageId": "m-bo-2"},
                               {"type": "screen", "userId": "bo", "name": "Home", "timestamp": _now()},
                               {"type": "group", "userId": "bo", "groupId": "g1", "timestamp": _now()}],
                     "context": {"timezone": "UTC"}, "sentAt": _now()}  # fmt: skip
            assert (await intake.post("/v1/batch", batch, zipped=True)).json() == {"success": True}
            assert (await intake.post("/v1/track", documented)).status_code == 200  # (a retry: applied once)

            async def applied(customer: str) -> int:
                return int((await intake.status(customer)).get("counts", {}).get("applied", 0))

            expected = {"ana": 4, "bo": 4, anonymous_key("anon-7"): 1}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                found = {c: await applied(c) for c in expected}
                if found == expected:
                    break
                await asyncio.sleep(0.3)
            assert found == expected
            assert (await intake.status("bo"))["counts"]["duplicate"] == 1
            assert intake.intake.counters.accepted == 4 + 4 + 1 + 1

    asyncio.run(scenario())


def test_each_rejection_has_its_index_field_and_reason_and_the_rest_of_a_batch_is_accepted(dev_server, tmp_path):
    company = (LIVE_PROJECT / "company.journey").read_text(encoding="utf-8")
    tiers = 'first_name   string optional\n  tier         one of "bronze", "gold" default "bronze"'
    project = live_project(tmp_path, files={"company.journey": company.replace("first_name   string optional", tiers)})

    async def scenario() -> None:
        async with running_intake(project, dev_server, "rej", worker=False) as intake:
            calls = [
                {"type": "track", "userId": "u1", "event": "Product Viewed", "timestamp": _now()},
                {"type": "track", "userId": "u1", "event": "Cart Exploded", "timestamp": _now()},
                {"type": "track", "userId": "u1", "event": "Checkout Started", "properties": {}, "timestamp": _now()},
                {"type": "identify", "userId": "u1", "traits": {"email_opt_in": "false"}, "timestamp": _now()},
                {"type": "identify", "userId": "u1", "traits": {"timezone": "Mars/Olympus"}, "timestamp": _now()},
                {"type": "track", "event": "Product Viewed", "timestamp": _now()},
                {"type": "launch", "userId": "u1", "timestamp": _now()},
                {"type": "identify", "userId": "u1", "traits": {"tier": "platinum"}, "timestamp": _now()},
            ]
            answer = await intake.post("/v1/batch", {"batch": calls})
            assert answer.status_code == 200
            body = answer.json()
            assert body["success"] is True and body["accepted"] == 1
            by_index = {r["index"]: r for r in body["rejected"]}
            assert sorted(by_index) == [1, 2, 3, 4, 5, 6, 7]
            assert by_index[1]["field"] == "event" and "not in the tracking plan" in by_index[1]["reason"]
            assert by_index[2]["field"] == "properties.order_id"
            assert by_index[3] == {"index": 3, "field": "traits.email_opt_in", "reason": '"false" is not true or false'}
            assert by_index[4]["field"] == "traits.timezone"
            assert "userId or anonymousId" in by_index[5]["reason"]
            assert by_index[6]["field"] == "type"
            assert by_index[7]["field"] == "traits.tier" and '"platinum"' in by_index[7]["reason"]
            alone = await intake.post("/v1/track", calls[1])
            assert alone.status_code == 400 and alone.json()["rejected"][0]["index"] == 0
            metrics = (await intake.get("/metrics")).text
            assert 'journeyc_intake_rejected_total{reason="unknown_event"} 2' in metrics
            assert "journeyc_intake_accepted_total 1" in metrics

    asyncio.run(scenario())


def test_write_keys_are_checked(dev_server, tmp_path):
    project = live_project(tmp_path)
    call = {"userId": "u1", "event": "Product Viewed", "timestamp": _now()}

    async def scenario() -> None:
        async with running_intake(project, dev_server, "keys", worker=False) as intake:
            assert (await intake.post("/v1/track", call, key=None)).status_code == 401
            wrong = await intake.post("/v1/track", call, key="wk_guess")
            assert wrong.status_code == 401 and "write key" in wrong.json()["reason"]
            assert (await intake.post("/v1/track", call, key="other_key")).status_code == 200
            in_body = await intake.post(
                "/v1/batch", {"batch": [{**call, "type": "track"}], "writeKey": WRITE_KEY}, key=None
            )
            assert in_body.status_code == 200

    asyncio.run(scenario())


def test_hostile_input_is_a_4xx_with_a_reason_never_a_500(dev_server, tmp_path):
    project = live_project(tmp_path)
    ok = {"userId": "u1", "event": "Product Viewed", "timestamp": _now()}
    deep: dict = {"product_id": "p"}
    for _ in range(200):
        deep = {"x": deep}
    cases = {
        "malformed JSON": ("/v1/track", b'{"userId": "u1", "event": '),
        "10 MB body": ("/v1/batch", b'{"batch": [' + b" " * (10 * 1024 * 1024) + b"]}"),
        "10 MB single call": ("/v1/track", json.dumps({**ok, "properties": {"p": "x" * 10_000_000}}).encode()),
        "deep nesting": ("/v1/track", json.dumps({**ok, "properties": deep}).encode()),
        "very deep nesting": ("/v1/track", b'{"properties": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        "NaN": ("/v1/track", b'{"userId": "u1", "event": "Product Viewed", "properties": {"price": NaN}}'),
        "Infinity": ("/v1/track", b'{"userId": "u1", "event": "Product Viewed", "properties": {"p": Infinity}}'),
        "invalid UTF-8": ("/v1/track", b'{"userId": "u\xff\xfe1", "event": "Product Viewed"}'),
        "long userId": ("/v1/track", json.dumps({**ok, "userId": "u" * 10_000}).encode()),
        "year 1200": ("/v1/track", json.dumps({**ok, "timestamp": "1200-01-01T00:00:00Z"}).encode()),
        "year 9999": ("/v1/track", json.dumps({**ok, "timestamp": "9999-12-31T00:00:00Z"}).encode()),
        "year 99999": ("/v1/track", json.dumps({**ok, "timestamp": "99999-01-01T00:00:00Z"}).encode()),
        "not an object": ("/v1/track", b"[1, 2, 3]"),
        "batch not a list": ("/v1/batch", b'{"batch": {"a": 1}}'),
        "empty": ("/v1/identify", b""),
        "control character id": ("/v1/track", json.dumps({**ok, "userId": "u\u00001"}).encode()),
    }

    async def scenario() -> None:
        async with running_intake(project, dev_server, "hostile", worker=False) as intake:
            for name, (path, raw) in cases.items():
                answer = await intake.post(path, None, raw=raw)
                assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:200])
                body = answer.json()
                reasons = [body.get("reason")] + [r["reason"] for r in body.get("rejected", ())]
                assert any(reasons), (name, body)
                assert "Traceback" not in answer.text
            bomb = gzip.compress(b'{"batch": [' + b" " * (50 * 1024 * 1024) + b"]}")
            answer = await intake.post("/v1/batch", None, raw=bomb, headers={"Content-Encoding": "gzip"})
            assert answer.status_code == 413 and "500 KB" in answer.json()["reason"]
            garbage = await intake.post("/v1/batch", None, raw=b"not gzip", headers={"Content-Encoding": "gzip"})
            assert garbage.status_code == 400
            assert intake.intake.counters.accepted == 0
            assert all(line["status"] < 500 for line in intake.logs)

    asyncio.run(scenario())


def test_unknown_events_may_be_accepted_and_counted(dev_server, tmp_path):
    project = live_project(tmp_path)
    settings = IntakeSettings(unknown_events="accept", lateness_seconds=1.0)

    async def scenario() -> None:
        async with running_intake(project, dev_server, "unknown", settings, worker=False) as intake:
            calls = [{"type": "track", "userId": "u1", "event": "Cart Exploded", "timestamp": _now()},
                     {"type": "track", "userId": "u1", "event": "Product Viewed", "timestamp": _now()}]  # fmt: skip
            answer = await intake.post("/v1/batch", {"batch": calls})
            assert answer.status_code == 200 and answer.json() == {"success": True}
            metrics = (await intake.get("/metrics")).text
            assert "journeyc_intake_ignored_total 1" in metrics and "journeyc_intake_accepted_total 1" in metrics

    asyncio.run(scenario())


def test_health_metrics_and_one_json_log_line_per_request(dev_server, tmp_path):
    project = live_project(tmp_path)

    async def scenario() -> None:
        async with running_intake(project, dev_server, "obs", worker=False) as intake:
            assert (await intake.get("/healthz")).json() == {"ok": True}
            call = {"userId": "u1", "event": "Product Viewed", "timestamp": _now(-120), "messageId": "m1"}
            for _ in range(2):
                assert (await intake.post("/v1/track", call)).status_code == 200
            await intake.post("/v1/track", call, key="nope")
            metrics = (await intake.get("/metrics")).text
            for line in ("journeyc_intake_accepted_total 2", "journeyc_intake_duplicate_total 1",
                         "journeyc_intake_late_total 2", 'journeyc_intake_rejected_total{reason="unauthorized"} 1'):  # fmt: skip
                assert line in metrics, metrics
            assert [line["status"] for line in intake.logs] == [200, 200, 401]
            assert intake.logs[0]["path"] == "/v1/track" and intake.logs[0]["accepted"] == 1
            json.dumps(intake.logs)  # (each is one JSON line)

    asyncio.run(scenario())


@pytest.mark.parametrize("server", ["unreachable", "silent"])
def test_an_unreachable_or_slow_temporal_server_is_a_503_with_retry_after(tmp_path, server):
    """Nothing listens where the intake's Temporal client points, or something listens and never answers: the call
    is not acknowledged."""
    from temporalio.client import Client

    project = live_project(tmp_path)
    dead = bind("127.0.0.1", 0)  # (listening, never accepting: a server that takes connections and says nothing)
    address = f"127.0.0.1:{dead.getsockname()[1]}"
    if server == "unreachable":
        dead.close()

    async def scenario() -> None:
        client = await Client.connect(address, lazy=True)
        settings = IntakeSettings(timeout_seconds=1.0)
        intake, app = build_app(project.program, settings, None, client, project="p", task_queue="q",
                                environ={"JOURNEYC_WRITE_KEYS": WRITE_KEY})  # fmt: skip
        stop, sock = asyncio.Event(), bind("127.0.0.1", 0)
        serving = asyncio.ensure_future(serve_app(app, sock, stop))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/track"
        call = {"userId": "u1", "event": "Product Viewed", "timestamp": _now()}
        try:
            answer = await asyncio.to_thread(requests.post, url, json=call, auth=(WRITE_KEY, ""), timeout=30)
        finally:
            stop.set()
            await serving
        assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
        assert intake.counters.accepted == 0 and intake.counters.rejected == {"unavailable": 1}
        dead.close()

    asyncio.run(scenario())
