"""Hostile input to the dashboard, as real requests through Flask's test client: refused, never a 500.

Each request is what a client can post to the Dash endpoint, whatever the page
drew: the grid's block requests, the router's page requests with a repeated
query parameter, the review form's fields.
"""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.app import create_app
from etl import pipeline
from tests.conftest import FIXTURES
from tests.dashboard.conftest import sql
from tests.dashboard.test_review import TOKEN, Browser

GOOD_BLOCK = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


class Client(Browser):
    """A `Browser` that also asks for grid blocks and whole pages."""

    def block(self, request: object, search: str = ""):  # type: ignore[no-untyped-def]
        """The grid's request for rows (the first of the callbacks it triggers: the rows)."""
        return self.raw(
            [{"id": "dat-grid", "property": "getRowsRequest", "value": request}],
            [("dat-url", "search", search)],
            "dat-grid.getRowsRequest",
        )

    def page(self, path: str, search: str = "") -> str:
        """The page the router draws for an address, as the renderer asks for it."""
        r = self.raw(
            [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": search},
            ],
            [],
            "_pages_location.pathname",
        )
        assert r.status_code == 200, r.get_data(as_text=True)[:2000]
        return r.get_data(as_text=True)


def _rows_key(app) -> None:  # type: ignore[no-untyped-def]
    """Both grid callbacks start from getRowsRequest; `_key` must find the rows one (getRowsResponse)."""
    keys = [k for k, s in app.callback_map.items() if s["inputs"][0]["id"] == "dat-grid"]
    assert any("getRowsResponse" in k for k in keys), keys


@pytest.fixture
def client(loaded):  # type: ignore[no-untyped-def]
    app = create_app(loaded)
    c = Client(app)
    _rows_key(app)
    return c


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        ({**GOOD_BLOCK, "startRow": 1e30}, "startRow must be a whole number from 0"),
        ({**GOOD_BLOCK, "startRow": "abc"}, "startRow must be a whole number, not 'abc'"),
        ({**GOOD_BLOCK, "endRow": -5}, "endRow must be a whole number from 0"),
        ({**GOOD_BLOCK, "startRow": 2.5}, "startRow must be a whole number from 0"),
        ("rows please", "the grid's request must be an object"),
        ([1, 2, 3], "the grid's request must be an object"),
        ({**GOOD_BLOCK, "sortModel": "as_of"}, "sortModel must be a list of objects"),
        ({**GOOD_BLOCK, "sortModel": ["as_of"]}, "sortModel must be a list of objects"),
    ],
)
def test_grid_block_requests_no_grid_could_send_are_refused_with_a_reason(client, request_, says):
    # Ask the rows callback itself (the sort one shares the trigger; both must refuse).
    for key in [k for k, s in client.app.callback_map.items() if s["inputs"][0]["id"] == "dat-grid"]:
        client._key = lambda _trigger, key=key: key  # type: ignore[method-assign]
        r = client.block(request_)
        body = r.get_data(as_text=True)
        assert r.status_code == 400, (key, r.status_code, body[:500])
        assert says in body and "Traceback" not in body and "/work/" not in body


def test_a_good_block_request_still_gets_its_rows(client, loaded):
    r = client.block({**GOOD_BLOCK, "sortModel": [{"colId": "shown", "sort": "desc"}]})
    assert r.status_code == 200
    rows = json.loads(r.get_data(as_text=True))["response"]["dat-grid"]["getRowsResponse"]
    total = sql(loaded, "SELECT count(*) AS n FROM observations")[0]["n"]
    assert rows["rowCount"] == total and len(rows["rowData"]) == min(total, 100)
    values = [row["value"] for row in rows["rowData"]]
    assert values == sorted(values, reverse=True)


def _text_filter(words: object, column: str = "sentence", op: object = "contains") -> dict:
    return {**GOOD_BLOCK, "filterModel": {column: {"filterType": "text", "type": op, "filter": words}}}


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        ({**GOOD_BLOCK, "filterModel": "value>3"}, "filterModel must be an object"),
        ({**GOOD_BLOCK, "filterModel": {"password": {}}}, "the grid has no filter on column 'password'"),
        ({**GOOD_BLOCK, "filterModel": {"status": {}}}, "the grid has no filter on column 'status'"),
        ({**GOOD_BLOCK, "filterModel": {"shown": "big"}}, "filterModel's shown must be an object"),
        (_text_filter("3", column="shown"), "filterModel's shown takes a number filter, not 'text'"),
        (_text_filter("x", op="regexp"), "filter it by contains, notContains"),
        (_text_filter("x", op=None), "needs its operation (type)"),
        (_text_filter("x" * 5000), "a text filter of 5,000 characters; at most 200"),
        (_text_filter("a\x00b"), "control characters"),
        (_text_filter(""), "a text filter needs words"),
        (_text_filter(["a"]), "a text filter needs words"),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {"sentence": {"filterType": "text", "operator": "OR", "conditions": []}},
            },
            "one condition per column",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {
                    "sentence": {"filterType": "text", "type": "contains", "filter": "a", "sql": "1=1"}
                },
            },
            "holds what no grid filter sends: ['sql']",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {"shown": {"filterType": "number", "type": "equals", "filter": "1; --"}},
            },
            "must compare with a number",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {"shown": {"filterType": "number", "type": "equals", "filter": True}},
            },
            "must compare with a number",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {"shown": {"filterType": "number", "type": "lessThan", "filter": 1e300}},
            },
            "a number from -1,000,000,000,000,000",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {
                    "shown": {"filterType": "number", "type": "inRange", "filter": 5, "filterTo": 1}
                },
            },
            "the range ends (1.0) before it starts (5.0)",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {"shown": {"filterType": "number", "type": "inRange", "filter": 5}},
            },
            "inRange needs two values",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {
                    "published": {"filterType": "date", "type": "equals", "dateFrom": "yesterday"}
                },
            },
            "is not a day; write it as YYYY-MM-DD",
        ),
        (
            {
                **GOOD_BLOCK,
                "filterModel": {"as_of": {"filterType": "date", "type": "equals", "dateFrom": "2024-02-30"}},
            },
            "is not a day of the calendar",
        ),
    ],
)
def test_column_filters_no_grid_could_send_are_refused_with_a_reason(client, request_, says):
    for key in [k for k, s in client.app.callback_map.items() if s["inputs"][0]["id"] == "dat-grid"]:
        client._key = lambda _trigger, key=key: key  # type: ignore[method-assign]
        r = client.block(request_)
        body = r.get_data(as_text=True)
        assert r.status_code == 400, (key, r.status_code, body[:500])
        assert says in body and "Traceback" not in body, body


def test_a_good_column_filter_narrows_the_rows_to_what_sql_holds(client, loaded):
    model = {
        "shown": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 10},
        "as_of": {
            "filterType": "date",
            "type": "lessThan",
            "dateFrom": "2025-01-01 00:00:00",
            "dateTo": None,
        },
        "sentence": {"filterType": "text", "type": "notContains", "filter": "'; DROP TABLE observations; --"},
    }
    r = client.block({**GOOD_BLOCK, "filterModel": model})
    assert r.status_code == 200, r.get_data(as_text=True)
    rows = json.loads(r.get_data(as_text=True))["response"]["dat-grid"]["getRowsResponse"]
    want = sql(loaded, "SELECT id FROM observations WHERE value >= 10 AND period_end < '2025-01-01'")
    total = sql(loaded, "SELECT count(*) AS n FROM observations")[0]["n"]
    assert 0 < rows["rowCount"] == len(want) < total
    assert {row["id"] for row in rows["rowData"]} == {w["id"] for w in want}


def test_a_dropdown_keeps_the_grids_column_filters(client):
    search = "?f.shown=x&f.value=greaterThan%3A100&lang=zh"
    answer = client.post(
        [
            {"id": "dat-theme", "property": "value", "value": None},
            {"id": "dat-indicator", "property": "value", "value": None},
            {"id": "dat-source", "property": "value", "value": "reply"},
            {"id": "dat-status", "property": "value", "value": None},
            {"id": "dat-dates", "property": "start_date", "value": None},
            {"id": "dat-dates", "property": "end_date", "value": None},
            {"id": "dat-search", "property": "value", "value": ""},
        ],
        [("dat-url", "search", search)],
        "dat-source.value",
    )
    shown = json.loads(answer)["response"]["dat-url"]["search"]
    assert shown == "?source_kind=reply&f.shown=x&f.value=greaterThan%3A100&lang=zh"


@pytest.mark.parametrize(
    ("path", "search", "drawn"),
    [
        ("/indicator", "?indicator=nope&indicator=open_data_datasets", "ind-chart"),
        ("/data-table", "?source_kind=reply&source_kind=curated", "dat-grid"),
        ("/", "?lang=en&lang=zh", "香港創新科技數字一覽"),
        ("/sources", "?doc=a&doc=b", "“b”"),  # the last one, an unknown document, said so
    ],
)
def test_a_repeated_query_parameter_draws_the_page_and_says_so(client, path, search, drawn):
    body = client.page(path, search)
    name = search.split("=")[0].lstrip("?")
    assert f"“{name}” more than once" in body or f"「{name}」" in body, body[:1500]
    assert drawn in body  # the page itself is drawn, from the last value
    assert "could not be drawn" not in body


def test_sources_never_show_where_the_server_keeps_its_files(tmp_path, sqlite_url):
    """Files given to the ETL by their absolute paths: the pages name the files, not their folders."""
    hidden = tmp_path / "srv" / "private-folder"
    hidden.mkdir(parents=True)
    good = shutil.copy(FIXTURES / "replies" / "2024-07-10-LCQ9-open-data-progress.txt", hidden)
    bad = shutil.copy(FIXTURES / "replies" / "2024-03-20-LCQ1-no-reply-part.txt", hidden)
    pipeline.run([hidden / good.rsplit("/", 1)[-1], hidden / bad.rsplit("/", 1)[-1]], sqlite_url)
    stored = [r["source"] for r in sql(sqlite_url, "SELECT source FROM documents")]
    stored += [r["source"] for r in sql(sqlite_url, "SELECT source FROM quarantine")]
    assert any("private-folder" in s for s in stored)  # the database keeps the path as given
    client = Client(create_app(sqlite_url))
    listing = client.page("/sources")
    assert "2024-03-20-LCQ1-no-reply-part.txt" in listing and "private-folder" not in listing
    doc = sql(sqlite_url, "SELECT id FROM documents")[0]["id"]
    one = client.page("/sources", f"?doc={doc}")
    assert "2024-07-10-LCQ9-open-data-progress.txt" in one and "private-folder" not in one


def _correct(client: Client, figure: str, value: object, who: object = "ana", reason: object = "typo") -> str:
    return client.submit(figure, "correct", reason=reason, who=who, value=value)


@pytest.mark.parametrize(
    ("value", "who", "reason", "says"),
    [
        (float("inf"), "ana", "typo", "the value must be a number from 0"),
        ("abc", "ana", "typo", "the value must be a number, not 'abc'"),
        (1e300, "ana", "typo", "the value must be a number from 0"),
        (12, "x" * 100_000, "typo", "the reviewer's name is 100,000 characters long"),
        (12, ["ana"], "typo", "the reviewer's name must be text"),
        (12, "ana", "r" * 5000, "the reason is 5,000 characters long"),
        (12, "ana\x00", "typo", "the reviewer's name holds control characters"),
    ],
)
def test_the_review_form_refuses_what_no_person_means(loaded, monkeypatch, value, who, reason, says):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    client = Client(create_app(loaded))
    assert "rev-submit" in client.sign_in(TOKEN)
    figure = sql(loaded, "SELECT id FROM figures WHERE text = 'two platforms'")[0]["id"]
    answer = _correct(client, figure, value, who, reason)
    assert f"Not accepted: {says}" in answer and len(answer) < 5000
    assert sql(loaded, "SELECT * FROM review_decisions") == []
    # A sensible correction through the same form is stored.
    assert "Recorded" in _correct(client, figure, 2)
    assert sql(loaded, "SELECT value, who FROM review_decisions") == [{"value": 2.0, "who": "ana"}]


def test_paths_in_shown_text_keep_only_the_file_name():
    from dashboard.provenance import public

    assert public("/srv/corpus/a.txt") == "a.txt"
    assert public("gold/replies/LCQ9.txt") == "gold/replies/LCQ9.txt"  # inside the corpus: kept
    assert public("/srv/x/manifest.csv: b.txt") == "manifest.csv: b.txt"
    assert public("[Errno 13] Permission denied: '/etc/passwd'") == "[Errno 13] Permission denied: 'passwd'"
    assert public("C:\\data\\c.txt") == "c.txt" and public("see ~/corpus/d.txt") == "see d.txt"
    assert public("https://www.info.gov.hk/gia/general/x.htm") == "https://www.info.gov.hk/gia/general/x.htm"
    assert public("2019/20 and/or") == "2019/20 and/or" and public(None) == ""


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


@given(
    st.dictionaries(st.sampled_from(["startRow", "endRow", "sortModel", "filterModel", "x"]), json_values)
    | json_values
)
def test_any_grid_request_is_read_or_refused_never_a_crash(request_):
    from dashboard.inputs import BadInput, GridRequest

    try:
        block = GridRequest.read(request_)
    except BadInput as e:
        assert e.message and len(e.message) < 200
    else:
        assert 0 <= block.start <= block.stop <= block.start + 1000
        assert all(isinstance(item, dict) for item in block.sort)


def test_numbers_too_big_for_a_float_are_refused_too():
    from dashboard.inputs import BadInput, GridRequest, amount

    with pytest.raises(BadInput, match="startRow"):
        GridRequest.read({"startRow": 10**400})
    with pytest.raises(BadInput, match="the value"):
        amount(10**400, "the value")
    with pytest.raises(BadInput, match="the value"):
        amount("1e400", "the value")
