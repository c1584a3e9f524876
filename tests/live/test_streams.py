"""Server-Sent Events against a real server: the log stream, resuming, region and programme streams."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx

from .server import AUTH, LiveServer, meeting, post_event
from .sse import StreamReader


def test_a_posted_milestone_reaches_the_log_stream_as_its_event_json(live: LiveServer) -> None:
    with StreamReader(f"{live.base}/events/stream") as stream:
        written = post_event(live.base, meeting("流测试一"))
        got = stream.next()
    position = written["last_position"]
    assert got.id == str(position) and got.event == "meeting_held"
    detail = httpx.get(written["urls"][0]).json()
    sent = json.loads(got.data)
    assert sent["record"] == detail["record"] and sent["record"]["position"] == position
    assert sent["record"]["event"]["title"]["zh"] == "流测试一"
    assert stream.retries == [3000]  # `retry:` once, before anything else


def test_reconnecting_with_last_event_id_gets_exactly_what_was_missed(live: LiveServer) -> None:
    with StreamReader(f"{live.base}/events/stream") as stream:
        first = post_event(live.base, meeting("断线前"))
        last_seen = stream.next().id
    assert last_seen == str(first["last_position"])
    missed = [post_event(live.base, meeting(f"断线后{i}"))["last_position"] for i in range(3)]
    # `after=0` in the URL, as a reconnecting EventSource keeps it: the header wins.
    with StreamReader(f"{live.base}/events/stream?after=0", {"Last-Event-ID": last_seen}) as stream:
        got = stream.take(3)
        assert stream.nothing_more()
    assert [int(f.id) for f in got] == missed
    assert [json.loads(f.data)["record"]["event"]["title"]["zh"] for f in got] == [
        "断线后0",
        "断线后1",
        "断线后2",
    ]


def test_after_replays_the_log_from_a_position(live: LiveServer) -> None:
    head = httpx.get(f"{live.base}/health").json()["head"]
    with StreamReader(f"{live.base}/events/stream?after={head - 2}") as stream:
        got = stream.take(2)
        assert stream.nothing_more(0.5)
    assert [int(f.id) for f in got] == [head - 1, head]


def test_region_stream_sends_added_corrected_and_retracted_widget_entries(live: LiveServer) -> None:
    url = f"{live.base}/regions/140700/stream?lang=en"  # with the regions below, by default
    with (
        StreamReader(url) as stream,
        StreamReader(f"{live.base}/regions/140700/stream?descendants=false") as own,
    ):
        written = post_event(live.base, meeting("Jiexiu live meeting", region="140781"))
        event_id = written["event_ids"][0]
        added = stream.next()
        correction = {
            "changes": {"title": {"zh": "介休推进会（更正）", "en": "Jiexiu meeting (corrected)"}},
            "reason": {"zh": "标题有误。", "en": "The title was wrong."},
            "sources": [{"document": "jinzhong-daily-report-2021-05-19"}],
        }
        response = httpx.post(f"{live.base}/events/{event_id}/corrections", json=correction, headers=AUTH)
        assert response.status_code == 201, response.text
        corrected = stream.next()
        retraction = {k: correction[k] for k in ("reason", "sources")}
        response = httpx.post(f"{live.base}/events/{event_id}/retractions", json=retraction, headers=AUTH)
        assert response.status_code == 201, response.text
        retracted = stream.next()
        # Without descendants, Jinzhong's own timeline does not list a Jiexiu milestone.
        assert own.nothing_more(0.5)
    assert (added.event, json.loads(added.data)["title"]) == ("added", "Jiexiu live meeting")
    entry = json.loads(corrected.data)
    assert corrected.event == "corrected" and entry["id"] == event_id
    assert entry["title"] == "Jiexiu meeting (corrected)" and entry["corrected"] is True
    assert retracted.event == "retracted" and json.loads(retracted.data)["retracted"] is True
    assert int(added.id) < int(corrected.id) < int(retracted.id)


def test_region_stream_filters_like_the_timeline(live: LiveServer) -> None:
    url = f"{live.base}/regions/140781/stream?types=policy_issued"
    with StreamReader(url) as policies, StreamReader(f"{live.base}/regions/140781/stream") as everything:
        post_event(live.base, meeting("只是会议"))
        assert everything.next().event == "added"
        assert policies.nothing_more(0.5)


def test_region_stream_takes_roles_like_the_timeline(live: LiveServer) -> None:
    taiyuan_with_jiexiu = {**meeting("太原会议介休参加", region="140100"), "participants": ["140781"]}
    participant = f"{live.base}/regions/140781/stream?roles=participant"
    with StreamReader(participant) as roles, StreamReader(f"{live.base}/regions/140781/stream") as subjects:
        post_event(live.base, taiyuan_with_jiexiu)
        assert json.loads(roles.next().data)["title"] == "太原会议介休参加"
        assert subjects.nothing_more(0.5)  # subjects only, by default
    assert httpx.get(f"{live.base}/regions/140781/stream?roles=boss").status_code == 400


def test_programme_stream_sends_the_programmes_milestones(live: LiveServer) -> None:
    slug = "county-medical-integration"
    programme_milestone = {**meeting("医共体推进"), "programmes": [slug]}
    with StreamReader(f"{live.base}/programmes/{slug}/stream?lang=zh") as stream:
        post_event(live.base, meeting("无关会议"))
        post_event(live.base, programme_milestone)
        got = stream.next()
        assert stream.nothing_more(0.5)
    assert got.event == "added" and json.loads(got.data)["title"] == "医共体推进"


def test_streams_are_open_to_every_origin_and_heartbeat(live: LiveServer) -> None:
    raw = _raw_get(live.port, "/events/stream", "Origin: https://news.example\r\n")
    with raw:
        raw.settimeout(5)
        received = b""
        deadline = time.monotonic() + 4
        while b": heartbeat" not in received and time.monotonic() < deadline:
            received += raw.recv(4096)
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-type: text/event-stream" in head.lower()
    assert b"access-control-allow-origin: *" in head.lower()
    assert b": heartbeat" in body and body.count(b"retry:") == 1


def test_unknown_region_and_bad_last_event_id_are_problems(live: LiveServer) -> None:
    response = httpx.get(f"{live.base}/regions/999999/stream")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    response = httpx.get(f"{live.base}/events/stream", headers={"Last-Event-ID": "abc"})
    assert response.status_code == 400 and "Last-Event-ID" in response.text
    assert httpx.get(f"{live.base}/regions/140700/stream?types=nope").status_code == 400


LONG_SUMMARY = {"zh": "很长的摘要。" * 330, "en": "A long summary. " * 120}


def test_a_client_that_does_not_read_is_closed_and_can_resume(live: LiveServer) -> None:
    before = httpx.get(f"{live.base}/health").json()["head"]
    raw = _raw_get(live.port, "/events/stream", rcvbuf=4096)
    with raw:
        time.sleep(0.3)
        # Enough frames (10 MB) to fill the kernel's buffers on both sides, then the client's queue.
        for round in range(20):
            batch = [{**meeting(f"批量{round}-{i}"), "summary": LONG_SUMMARY} for i in range(60)]
            response = httpx.post(f"{live.base}/events", json=batch, headers=AUTH, timeout=30)
            assert response.status_code == 201, response.text
        raw.settimeout(2)  # heartbeats come every second while the stream is open
        deadline = time.monotonic() + 60
        tail = b""
        while time.monotonic() < deadline and not tail.endswith(b"\r\n0\r\n\r\n"):
            chunk = raw.recv(1 << 20)
            tail = (tail + chunk)[-64:]
            if not chunk:
                break
    # The response ended (chunked encoding's last chunk), so an EventSource reconnects.
    assert tail.endswith(b"\r\n0\r\n\r\n") or not chunk, "the server kept a client that read nothing"
    last = response.json()["last_position"]
    # Resuming after what the client saw before the batches gets every one of them.
    with StreamReader(f"{live.base}/events/stream", {"Last-Event-ID": str(before)}) as stream:
        got = stream.take(last - before, timeout=30)
    assert [int(f.id) for f in got] == list(range(before + 1, last + 1))


def test_beyond_max_stream_clients_is_a_503_with_retry_after(tmp_path: Path) -> None:
    with LiveServer(tmp_path, max_stream_clients=2) as server:
        with StreamReader(f"{server.base}/events/stream"), StreamReader(f"{server.base}/events/stream"):
            response = httpx.get(f"{server.base}/events/stream", timeout=5)
            assert response.status_code == 503
            assert response.headers["retry-after"] and response.json()["status"] == 503
        time.sleep(0.5)  # both closed: a place is free again
        with StreamReader(f"{server.base}/events/stream") as stream:
            assert stream.status == 200


def test_streams_work_under_several_workers(tmp_path: Path) -> None:
    with LiveServer(tmp_path, workers=2) as server:
        readers = [StreamReader(f"{server.base}/events/stream") for _ in range(6)]
        for reader in readers:
            reader.__enter__()
        try:
            written = post_event(server.base, meeting("多进程"))
            got = [reader.next(15) for reader in readers]
        finally:
            for reader in readers:
                reader.__exit__()
    assert {f.id for f in got} == {str(written["last_position"])}


def _raw_get(port: int, path: str, extra: str = "", rcvbuf: int | None = None) -> socket.socket:
    raw = socket.socket()
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.connect(("127.0.0.1", port))
    raw.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    return raw


def test_head_on_a_stream_sends_its_headers_and_ends(live: LiveServer) -> None:
    # The stream would run for ever as a GET; a HEAD gets the GET's headers and the answer ends.
    response = httpx.head(f"{live.base}/events/stream", timeout=5)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/event-stream")
    assert httpx.get(f"{live.base}/health", timeout=5).status_code == 200  # nothing left stuck
