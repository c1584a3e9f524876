"""Input that used to reach a 500 or slip through: every one is now refused with a problem that
names the field, or normalised where the API says so (issue 18)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from events.reference import SourceDocument
from events.store import EventStore
from tests.test_api_support import AUTH, ID, new_event, open_client, seeded_settings

PROBLEM = "application/problem+json"


@pytest.fixture
def hostless(store: EventStore, db_path: Path) -> Iterator[TestClient]:
    """The app without a configured base_url: links are built from the Host header."""
    yield from open_client(seeded_settings(store, db_path, base_url=None))


def problem(response: object, status: int) -> dict:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["detail"]
    return body


def fields(body: dict) -> list[str]:
    return [e["path"] for e in body.get("errors") or []]


# -- server errors on input -----------------------------------------------------------------


HOSTS = ["127.0.0.1:abc", "h:70000", "[::1", "h:0", "a/b", "h?x"]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize(
    "path",
    [
        "/regions",
        "/regions/140781/timeline",
        "/sources",
        "/",
        "/health",
        "/no/such/page",
        "/widget/regions/140781.json",
    ],
)
def test_a_host_header_that_is_no_host_is_a_400_problem_on_every_route(
    hostless: TestClient, host: str, path: str
) -> None:
    response = hostless.get(path, headers={"Host": host})
    if path == "/no/such/page" and response.status_code == 404:
        return  # routing comes first: no route, nothing used the Host
    body = problem(response, 400)
    # Litestar's router refuses some malformed hosts itself ("a/b"), without an `errors` list.
    assert "host" in body["detail"].lower() and body["instance"] == path


def test_a_missing_required_parameter_with_a_bad_host_is_still_a_400(hostless: TestClient) -> None:
    # Litestar's own missing-parameter error reads `request.url`, which parses the Host.
    body = problem(hostless.get("/programmes/county-integration/regions", headers={"Host": "h:abc"}), 400)
    assert fields(body) == ["Host"]


def test_good_hosts_still_make_the_links(hostless: TestClient) -> None:
    for host, url in (("[::1]:8080", "http://[::1]:8080/"), ("example.org", "http://example.org/")):
        links = hostless.get("/regions", headers={"Host": host}).json()["regions"]
        assert links[0]["url"].startswith(url)


def test_a_write_with_a_bad_host_is_refused_before_anything_is_written(hostless: TestClient) -> None:
    problem(hostless.post("/events", json=new_event(), headers={**AUTH, "Host": "h:99999"}), 400)
    assert hostless.get("/events").json()["head"] == 5


@pytest.mark.parametrize("value", ["9223372036854775808", "9" * 5000])
def test_a_log_position_past_what_sqlite_holds_is_a_400(client: TestClient, value: str) -> None:
    assert fields(problem(client.get("/events", params={"after": value}), 400)) == ["after"]


@pytest.mark.parametrize("value", ["9223372036854775808", "9" * 5000, "²", "١٢٣", "１２３", "12³"])
@pytest.mark.parametrize(
    "path", ["/regions/140781/timeline", "/regions/140781/status", "/programmes/county-integration/regions"]
)
def test_known_at_takes_ascii_positions_sqlite_can_hold(client: TestClient, path: str, value: str) -> None:
    params = {"known_at": value}
    if not path.endswith("timeline"):
        params["as_of"] = "2021-05-07"
    assert fields(problem(client.get(path, params=params), 400)) == ["known_at"]


def test_the_largest_position_is_still_a_position(client: TestClient) -> None:
    assert client.get("/regions/140781/timeline", params={"known_at": str(2**53 - 1)}).status_code == 200
    assert client.get("/events", params={"after": str(2**53 - 1)}).json()["events"] == []


def test_a_writer_supplied_event_id_that_exists_is_a_409(client: TestClient) -> None:
    body = problem(
        client.post("/events", json={"event": new_event(), "event_id": ID["pilot"]}, headers=AUTH), 409
    )
    assert ID["pilot"] in body["detail"]
    assert body["type"] == "/problems/duplicate-event-id"
    assert client.get("/events").json()["head"] == 5


def test_the_same_event_id_twice_in_a_batch_is_a_422_naming_the_second(client: TestClient) -> None:
    event_id = "0e2b7d2c-8f47-4d1e-9b0a-5c3f6a1d2e40"
    batch = [{"event": new_event(), "event_id": event_id}, {"event": new_event(), "event_id": event_id}]
    body = problem(client.post("/events", json=batch, headers=AUTH), 422)
    assert fields(body) == ["$[1].event_id"]
    assert client.get("/events").json()["head"] == 5


def test_the_store_refuses_a_duplicate_event_id_with_its_own_error(store: EventStore) -> None:
    from uuid import UUID

    from events.errors import DuplicateEventId
    from tests.conftest import new

    item = new("a", 0)
    item = msgspec.structs.replace(item, event_id=UUID("0e2b7d2c-8f47-4d1e-9b0a-5c3f6a1d2e41"))
    store.append([item])
    with pytest.raises(DuplicateEventId, match="0e2b7d2c"):
        store.append([msgspec.structs.replace(item, stream="b")])
    with pytest.raises(DuplicateEventId):
        other = msgspec.structs.replace(item, stream="c", event_id=UUID(int=7))
        store.append([other, msgspec.structs.replace(other, stream="d")])
    assert store.head().position == 1


def _damage_payload(db_path: Path, position: int) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER events_refuse_update")
    conn.execute(
        'UPDATE events SET payload = \'{"type": "meeting_held", "oops\' WHERE position = ?', [position]
    )
    conn.commit()
    conn.close()


def test_a_damaged_row_makes_the_log_reads_a_503_naming_its_position(
    client: TestClient, db_path: Path
) -> None:
    _damage_payload(db_path, 3)
    body = problem(client.get("/events", params={"after": 0, "limit": 500}), 503)
    assert body["position"] == 3 and "3" in body["detail"]
    assert client.get("/events", params={"after": 0, "limit": 500}).headers["retry-after"]
    assert problem(client.get(f"/events/{ID['incentive']}"), 503)["position"] == 3
    assert client.get("/events", params={"after": 3}).status_code == 200  # past it, the log reads


def test_a_truncated_wal_under_a_running_app_answers_503_not_500(store: EventStore, db_path: Path) -> None:
    settings = seeded_settings(store, db_path)
    keep = sqlite3.connect(db_path)  # holds the WAL open, so nothing checkpoints it away
    keep.execute("SELECT count(*) FROM events").fetchone()
    with TestClient(app=__import__("api.app", fromlist=["create_app"]).create_app(settings)) as client:
        assert client.post("/events", json=new_event(), headers=AUTH).status_code == 201
        assert client.get("/regions/140725/timeline").status_code == 200
        wal = Path(f"{db_path}-wal")
        assert wal.stat().st_size > 0
        with wal.open("r+b") as f:
            f.truncate(0)
        answers = {
            path: client.get(path, params={"min_position": 6} if "timeline" in path else None)
            for path in ("/events", "/events?after=5", "/regions/140700/timeline", "/sources", "/health")
        }
        answers["POST /events"] = client.post("/events", json=new_event(), headers=AUTH)
        for path, response in answers.items():
            assert response.status_code != 500, (path, response.text)
            if response.status_code >= 400:
                assert problem(response, 503)["type"] == "/problems/store-unavailable", path
        assert any(r.status_code == 503 for r in answers.values())
    keep.close()


# -- input to refuse or normalise -----------------------------------------------------------


@pytest.mark.parametrize("value", ["٢٠٢١-٠٥-٠٧", "２０２１-０５-０７", "2021-05-0７"])
def test_dates_take_ascii_digits_only(client: TestClient, value: str) -> None:
    body = problem(client.get("/regions/140781/status", params={"as_of": value}), 400)
    assert fields(body) == ["as_of"] and "YYYY-MM-DD" in body["detail"]
    body = problem(client.get("/regions/140781/timeline", params={"from": value}), 400)
    assert fields(body) == ["from"]
    written = client.post("/events", json=new_event(occurred=value), headers=AUTH)
    assert fields(problem(written, 422)) == ["$.occurred"]


def test_an_amendment_in_the_batch_of_its_target_goes_to_the_targets_stream(client: TestClient) -> None:
    target = "5a0c9e1d-3b7f-4c2a-8e6d-1f4b7a9c0d21"
    correction = {
        "type": "milestone_corrected",
        "corrects": target,
        "changes": {"title": {"zh": "新标题", "en": "New title"}},
        "reason": {"zh": "更正", "en": "Corrected"},
        "sources": [{"document": "test-doc"}],
    }
    elsewhere = [{"event": new_event(), "event_id": target}, {"event": correction, "stream": "elsewhere"}]
    body = problem(client.post("/events", json=elsewhere, headers=AUTH), 422)
    assert fields(body) == ["$[1].stream"]
    written = client.post(
        "/events", json=[{"event": new_event(), "event_id": target}, correction], headers=AUTH
    )
    assert written.status_code == 201, written.text
    detail = client.get(f"/events/{target}").json()
    assert [a["type"] for a in detail["amendments"]] == ["milestone_corrected"]
    assert detail["amendments"][0]["stream"] == detail["record"]["stream"]
    stale = client.post(
        f"/events/{target}/corrections",
        json={**{k: correction[k] for k in ("changes", "reason", "sources")}, "expected_version": 1},
        headers=AUTH,
    )
    assert problem(stale, 409)["current_version"] == 2


BREAKS = ["\n", "\r", "\u2028", "\u2029", "\u0085", "\u202e", "\u202a", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", BREAKS)
def test_single_line_fields_refuse_line_breaks_and_bidi_controls(client: TestClient, char: str) -> None:
    cases = {
        "$.title.en": new_event(title={"zh": "会议", "en": f"A{char}B"}),
        "$.venue.zh": new_event(venue={"zh": f"会{char}场", "en": "Hall"}),
        "$.sources[0].locator": new_event(sources=[{"document": "test-doc", "locator": f"p{char}1"}]),
    }
    for path, event in cases.items():
        assert fields(problem(client.post("/events", json=event, headers=AUTH), 422)) == [path]
    correction = {
        "changes": {"title": {"zh": "标题", "en": f"x{char}y"}},
        "reason": {"zh": "更正", "en": "Corrected"},
        "sources": [{"document": "test-doc"}],
    }
    body = problem(client.post(f"/events/{ID['meeting']}/corrections", json=correction, headers=AUTH), 422)
    assert fields(body) == ["$.changes.title.en"]


def test_summaries_keep_their_newlines_but_not_bidi_controls(client: TestClient) -> None:
    ok = new_event(summary={"zh": "第一段。\n第二段。", "en": "One.\r\nTwo.\u2029Three."})
    assert client.post("/events", json=ok, headers=AUTH).status_code == 201
    bad = new_event(summary={"zh": "第一段。", "en": "One \u202eevil"})
    assert fields(problem(client.post("/events", json=bad, headers=AUTH), 422)) == ["$.summary.en"]


def test_a_source_url_must_be_http_or_https() -> None:
    source = {
        "id": "doc",
        "title": {"zh": "文", "en": "Doc"},
        "publisher": {"zh": "社", "en": "Pub"},
        "published": "2021",
        "kind": "news",
    }
    for url in ("javascript:alert(1)", "data:text/html,x", "ftp://example.org/x", "//example.org", "HTTPS:x"):
        with pytest.raises(msgspec.ValidationError, match="url"):
            msgspec.convert({**source, "url": url}, type=SourceDocument)
    for url in ("https://example.org/a", "http://example.org/b", "HTTPS://EXAMPLE.ORG/"):
        assert msgspec.convert({**source, "url": url}, type=SourceDocument).url == url


def test_catalogue_names_are_single_line_too(tmp_path: Path) -> None:
    from events.errors import FieldProblem
    from timeline.seeds import read_catalogues

    (tmp_path / "regions.toml").write_text(
        '[[region]]\ncode = "140000"\nkind = "province"\nname = { zh = "山西", en = "Shan\\u2028xi" }\n'
    )
    (tmp_path / "programmes.toml").write_text("")
    (tmp_path / "sources.toml").write_text("")
    problems: list[FieldProblem] = []
    read_catalogues(tmp_path, problems)
    assert [p.path for p in problems] == ["regions.toml: region[0] (140000)"]
    assert "name.en" in problems[0].message and "U+2028" in problems[0].message


def test_parameter_errors_say_what_is_accepted(client: TestClient) -> None:
    body = problem(client.get("/regions/140781/status", params={"as_of": "2021-5-7"}), 400)
    assert "regex" not in body["detail"] and "\\" not in body["detail"]
    assert "YYYY-MM-DD" in body["detail"] and "2021-5-7" in body["detail"]
    body = problem(client.get("/regions/140781/timeline", params={"lang": "fr"}), 400)
    assert "'zh', 'en'" in body["detail"] or "zh, en" in body["detail"]
    body = problem(client.get("/regions", params={"tree": "yes"}), 400)
    assert "true" in body["detail"] and "false" in body["detail"] and fields(body) == ["tree"]


def test_an_integral_number_with_a_fraction_is_an_integer(client: TestClient) -> None:
    # JSON Schema (and so the OpenAPI document) counts 1.0 as an integer.
    body = {"event": new_event(), "expected_version": 0.0}
    assert client.post("/events", json=body, headers=AUTH).status_code == 201
    retraction = {"reason": {"zh": "撤回", "en": "Withdrawn"}, "sources": [{"document": "test-doc"}]}
    stale = client.post(
        f"/events/{ID['review']}/retractions", json={**retraction, "expected_version": 5.0}, headers=AUTH
    )
    assert problem(stale, 409)["current_version"] == 1
    half = client.post(
        f"/events/{ID['review']}/retractions", json={**retraction, "expected_version": 1.5}, headers=AUTH
    )
    assert fields(problem(half, 422)) == ["$.expected_version"]


def test_types_are_checked_against_the_documented_list(client: TestClient) -> None:
    ok = client.get("/regions/140781/timeline", params={"types": " pilot_designated, ,incentive_awarded"})
    assert ok.status_code == 200 and {e["type"] for e in ok.json()["entries"]} <= {
        "pilot_designated",
        "incentive_awarded",
    }
    body = problem(client.get("/regions/140781/timeline", params={"types": "000"}), 400)
    assert fields(body) == ["types"] and "meeting_held" in body["detail"] and "regex" not in body["detail"]


def test_min_position_beyond_the_head_is_a_409_naming_the_head(client: TestClient) -> None:
    body = problem(client.get("/regions/140781/timeline", params={"min_position": 99}), 409)
    assert body["position"] == 5 and fields(body) == ["min_position"]


def test_options_lists_every_method_of_the_log(client: TestClient) -> None:
    allow = client.options("/events").headers["allow"]
    assert {m.strip() for m in allow.split(",")} == {"GET", "HEAD", "OPTIONS", "POST"}


def test_the_documented_edtf_pattern_takes_every_date_the_parser_takes(client: TestClient) -> None:
    import re

    from hypothesis import given, settings

    from events.dates import EDTF_PATTERN, parse_edtf
    from tests.test_dates import valid_edtf

    pattern = re.compile(EDTF_PATTERN)

    @settings(max_examples=300, deadline=None)
    @given(valid_edtf())
    def accepted(text: str) -> None:
        parse_edtf(text)
        assert pattern.match(text), text

    accepted()
    for refused in ("0", "2021-13", "0000", "2021-05-07T24:00:00", "../..", "2021/2022/2023", " 2021"):
        assert not pattern.match(refused), refused
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    assert schemas["MeetingHeld"]["properties"]["occurred"]["pattern"] == EDTF_PATTERN


def test_the_cli_names_a_duplicate_event_id_instead_of_a_database_failure(
    store: EventStore, db_path: Path, tmp_path: Path
) -> None:
    import json

    from click.testing import CliRunner

    from timeline.cli import main

    seeded_settings(store, db_path)
    file = tmp_path / "events.jsonl"
    file.write_text(json.dumps({"event": new_event(), "event_id": ID["pilot"]}))
    result = CliRunner().invoke(main, ["append", str(file), "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert ID["pilot"] in result.output and "already holds" in result.output
    assert "database failed" not in result.output and "backup" not in result.output


def test_correction_changes_are_documented_by_field_name(client: TestClient) -> None:
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    names = schemas["CorrectionBody"]["properties"]["changes"]["propertyNames"]["enum"]
    assert {"title", "occurred", "regions", "status", "amount_cny"} <= set(names)
    assert "" not in names and "type" not in names
