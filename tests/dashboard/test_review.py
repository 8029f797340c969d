"""The review page without a browser: read-only without the token, and no write without a session.

Most tests go through the real Dash endpoint with Flask's test client, so the
session cookie, the guess counter and the server-side checks are the ones a
browser meets.
"""

from __future__ import annotations

import json
import shutil
import sys

import dash
import pandas as pd
import pytest
from flask import session

from dashboard import app as frame
from dashboard import auth, queries
from dashboard.app import create_app
from etl import pipeline, review
from tests.conftest import FIXTURES
from tests.dashboard.conftest import sql
from tests.dashboard.test_pages import _text, _walk

TOKEN = "correct horse battery staple"


def _page():  # type: ignore[no-untyped-def]
    return next(p for p in dash.page_registry.values() if p["path"] == "/review")


def _module():  # type: ignore[no-untyped-def]
    """The page module as the pages plugin imported it (importing it again would register it twice)."""
    return sys.modules[_page()["module"]]


def _two_platforms(url: str) -> str:
    return sql(url, "SELECT id FROM figures WHERE text = 'two platforms'")[0]["id"]


@pytest.fixture
def spy(monkeypatch):
    """Every call to etl.review.decide, which must never happen in these tests."""
    from etl import review as etl_review

    calls: list = []
    monkeypatch.setattr(etl_review, "decide", lambda *a, **k: calls.append((a, k)))
    return calls


@pytest.fixture
def disagreeing(tmp_path, sqlite_url):
    """tests/fixtures/series loaded: a reply says over 900 spatial datasets, a curated report about 950."""
    folder = tmp_path / "series"
    shutil.copytree(FIXTURES / "series", folder)
    pipeline.run([folder], sqlite_url, curated_dir=folder / "curated")
    return sqlite_url


def _submit(app, figure: str, who: str = "ana"):  # type: ignore[no-untyped-def]
    page = _module()
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        return page.submit(1, figure, "reject", None, None, None, "a duplicate", who, "en")


def _unchanged(answer: str) -> bool:
    """Whether a callback answered "no update" (an empty body, or no outputs in a multi-output answer)."""
    return answer == "" or json.loads(answer) == {"multi": True, "response": {}}


class Browser:
    """Posts to /_dash-update-component as the Dash renderer would, keeping one session cookie."""

    def __init__(self, app, address: str = "127.0.0.1") -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.client = app.server.test_client()
        self.address = address
        self.client.get("/")  # the first request registers the pages' callbacks in app.callback_map

    def _key(self, trigger: str) -> str:
        """The output key of the callback whose first input is `trigger` (a component id or pattern type).

        Dash adds a hash to outputs that allow duplicates, so the key is looked up, not written.
        """
        for key, spec in self.app.callback_map.items():
            first = spec["inputs"][0]["id"]
            if first == trigger or f'"type":"{trigger}"' in first:
                return key
        raise KeyError(trigger)

    def raw(self, inputs: list, state: list[tuple], changed: str):  # type: ignore[no-untyped-def]
        """One callback request as the renderer sends it; the response, whatever its status."""
        first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
        trigger = first["id"]["type"] if isinstance(first["id"], dict) else first["id"]
        key = self._key(trigger)
        parts = [o.split("@")[0].rsplit(".", 1) for o in key.strip(".").split("...")]
        outputs = [{"id": i, "property": p} for i, p in parts]
        body = {
            "output": key,
            "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": inputs,
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [changed],
        }
        return self.client.post(
            "/_dash-update-component", json=body, environ_base={"REMOTE_ADDR": self.address}
        )

    def post(self, inputs: list, state: list[tuple], changed: str) -> str:
        """One callback request; the answer's text ("" when the callback changed nothing)."""
        r = self.raw(inputs, state, changed)
        assert r.status_code in (200, 204), r.get_data(as_text=True)
        return r.get_data(as_text=True)

    def sign_in(self, given: str | None, clicks: int = 1) -> str:
        return self.post(
            [
                {"id": "rev-login", "property": "n_clicks", "value": clicks},
                {"id": "rev-token", "property": "n_submit", "value": None},
            ],
            [("rev-token", "value", given), ("rev-lang", "data", "en")],
            "rev-login.n_clicks",
        )

    def sign_out(self, clicks: int = 1) -> str:
        return self.post(
            [{"id": "rev-signout", "property": "n_clicks", "value": clicks}],
            [("rev-lang", "data", "en")],
            "rev-signout.n_clicks",
        )

    def submit(
        self,
        figure: str,
        action: str = "reject",
        reason: object = "forged",
        who: object = "mallory",
        value: object = None,
    ) -> str:
        states = [
            ("rev-figure", "value", figure),
            ("rev-action", "value", action),
            ("rev-indicator", "value", None),
            ("rev-value", "value", value),
            ("rev-qualifier", "value", None),
            ("rev-reason", "value", reason),
            ("rev-who", "value", who),
            ("rev-lang", "data", "en"),
        ]
        return self.post(
            [{"id": "rev-submit", "property": "n_clicks", "value": 1}],
            states,
            "rev-submit.n_clicks",
        )

    def pick(self, figure: str) -> str:
        button = {"type": "rev-pick", "figure": figure}
        changed = json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"
        return self.post(
            [[{"id": button, "property": "n_clicks", "value": 1}]],
            [("rev-lang", "data", "en")],
            changed,
        )


def test_rev_off_without_token_no_nav_read_only_page_and_no_write(loaded, monkeypatch, spy):
    monkeypatch.delenv("ITDASH_REVIEW_TOKEN", raising=False)
    app = create_app(loaded)
    hrefs = [link.href for link in frame._nav("/", "en")]
    assert "/review" not in hrefs
    with app.server.test_request_context("/review"):
        tree = _page()["layout"]()
    assert "read-only" in _text(tree)
    ids = {getattr(n, "id", None) for n in _walk(tree)}
    assert not ids & {"rev-token", "rev-submit", "rev-figure"}

    # The write callback called directly (as a forged request would) stores nothing.
    fig = _two_platforms(loaded)
    result, *rest = _submit(app, fig)
    assert "read-only" in _text(result)
    assert rest == [dash.no_update] * 4
    # An empty token is no token.
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", "  ")
    assert "/review" not in [link.href for link in frame._nav("/", "en")]
    _submit(app, fig)
    assert spy == []
    assert sql(loaded, "SELECT * FROM review_decisions") == []


def test_rev_token_set_but_session_not_signed_in_cannot_write(loaded, monkeypatch, spy):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(loaded)
    assert "/review" in [link.href for link in frame._nav("/", "en")]
    with app.server.test_request_context("/review"):
        tree = _page()["layout"]()
    ids = {getattr(n, "id", None) for n in _walk(tree)}
    assert "rev-token" in ids and "rev-submit" not in ids and "rev-signout" not in ids
    result, *_ = _submit(app, _two_platforms(loaded))
    assert "has not given the review token" in _text(result)
    assert spy == []
    assert sql(loaded, "SELECT * FROM review_decisions") == []


def test_rev_through_the_http_endpoint_a_wrong_token_signs_nobody_in(loaded, monkeypatch):
    """The real Dash endpoint with Flask's test client: wrong token, then a forged submit."""
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    browser = Browser(create_app(loaded))
    assert "not the review token" in browser.sign_in("guess")
    fig = _two_platforms(loaded)
    assert "has not given the review token" in browser.submit(fig)
    assert sql(loaded, "SELECT * FROM review_decisions") == []

    # The right token signs this client in; the same request then stores the decision.
    assert "rev-submit" in browser.sign_in(TOKEN)
    assert "Recorded" in browser.submit(fig)
    rows = sql(loaded, "SELECT figure_id, action, who, reason FROM review_decisions")
    assert rows == [{"figure_id": fig, "action": "reject", "who": "mallory", "reason": "forged"}]


def test_rev_sign_out_forgets_the_session_and_a_submit_then_stores_nothing(loaded, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    browser = Browser(create_app(loaded))
    panel = browser.sign_in(TOKEN)
    assert "rev-signout" in panel and "Sign out" in panel
    # Drawing the button (n_clicks 0) is not pressing it: still signed in, and a decision is stored.
    assert _unchanged(browser.sign_out(clicks=0))
    first, second = list(review.pending(queries.engine(loaded))["id"][:2])
    assert "Recorded" in browser.submit(first)

    form = browser.sign_out()
    assert "Signed out" in form and "rev-token" in form and "rev-submit" not in form
    assert "has not given the review token" in browser.submit(second)
    assert [r["figure_id"] for r in sql(loaded, "SELECT figure_id FROM review_decisions")] == [first]
    # Signing in again works as before.
    assert "rev-submit" in browser.sign_in(TOKEN)
    assert "Recorded" in browser.submit(second)


class Clock:
    """The wall clock of the sign-in limiter (dashboard.auth and the limits storages), moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    import limits.storage.memory
    import limits.storage.redis

    c = Clock(1_000_000.0)
    monkeypatch.setattr(auth, "_now", c.time)
    monkeypatch.setattr(limits.storage.memory, "time", c)
    monkeypatch.setattr(limits.storage.redis, "time", c)
    return c


def test_rev_five_wrong_tokens_lock_the_client_out_even_with_the_right_token(loaded, monkeypatch, clock):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app(loaded)
    start = clock.now
    guesser, other = Browser(app, "203.0.113.7"), Browser(app, "198.51.100.2")
    for k in range(4):
        assert "not the review token" in guesser.sign_in(f"guess {k}")
        clock.now += 60
    assert "Too many wrong tokens; try again in 11 minutes" in guesser.sign_in("guess 4")
    refused = guesser.sign_in(TOKEN)
    assert "Too many wrong tokens" in refused and "rev-submit" not in refused
    assert "has not given the review token" in guesser.submit(_two_platforms(loaded))
    # An empty field while locked out says so too, and is not counted.
    assert "Too many wrong tokens" in guesser.sign_in("")

    # Another address is counted on its own.
    assert "rev-submit" in other.sign_in(TOKEN)

    # The window slides: once the first wrong guess is 15 minutes old, one more try is allowed.
    clock.now = start + 14 * 60
    assert "try again in 1 minute." in guesser.sign_in(TOKEN)
    clock.now = start + 15 * 60 + 1
    assert "rev-submit" in guesser.sign_in(TOKEN)
    # A right token forgets the address's wrong guesses: four more are allowed before the fifth locks.
    for k in range(4):
        assert "not the review token" in guesser.sign_in(f"again {k}")
    assert "Too many wrong tokens; try again in 15 minutes" in guesser.sign_in("again 4")


def test_rev_the_guess_counter_stays_small(loaded, monkeypatch, clock):
    """However often one address guesses, the limiter keeps at most MAX_WRONG entries for it."""
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app(loaded)
    for _ in range(20):
        Browser(app, "192.0.2.9").sign_in("guess")
    storage = app.server.extensions[auth.EXTENSION].storage
    (entries,) = [v for k, v in storage.events.items() if "192.0.2.9" in k]
    assert len(entries) == auth.MAX_WRONG


def test_rev_conflicts_query_groups_the_disagreeing_rows_preferred_first(disagreeing):
    rows = queries.conflicts(queries.engine(disagreeing))
    got = rows[["indicator_id", "as_of", "value", "preferred", "source_kind"]].to_dict("records")
    assert got == [
        {
            "indicator_id": "csdi_spatial_datasets",
            "as_of": "2024-06-30",
            "value": 950.0,
            "preferred": True,
            "source_kind": "curated",
        },
        {
            "indicator_id": "csdi_spatial_datasets",
            "as_of": "2024-06-30",
            "value": 900.0,
            "preferred": False,
            "source_kind": "reply",
        },
    ]
    reply = rows.iloc[1]
    assert reply.figure_text == "over 900 spatial datasets" and reply.doc_source.endswith(
        "LCQ6-spatial-data.txt"
    )
    assert pd.isna(rows.iloc[0].figure_id) and pd.isna(rows.iloc[0].doc_id)
    flagged = sql(disagreeing, "SELECT count(*) AS n FROM observations WHERE conflict")[0]["n"]
    assert len(rows) == flagged


def test_rev_a_reviewer_sees_the_conflicts_and_rejects_the_replys_figure(disagreeing, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(disagreeing)
    reply = sql(
        disagreeing,
        "SELECT figure_id, doc_id FROM observations WHERE conflict AND source_kind = 'reply'",
    )[0]
    with app.server.test_request_context("/review"):
        session[auth.SESSION_KEY] = auth.mark(TOKEN)
        tree = _page()["layout"]()
    text = _text(tree)
    assert "Sources that disagree" in text and "Flagged observations: 2; indicator and date pairs: 1." in text
    name = sql(disagreeing, "SELECT label_en FROM indicators WHERE id = 'csdi_spatial_datasets'")[0][
        "label_en"
    ]
    assert f"{name}, as of 2024-06-30" in text
    assert "preferred: the series value" in text and "not the series value" in text
    assert (
        "By mid-2024, the Common Spatial Data Infrastructure had published over 900 spatial datasets." in text
    )
    nodes = list(_walk(tree))
    want = f"/sources?doc={reply['doc_id']}#fig-{reply['figure_id']}"  # lands on the sentence
    assert want in [getattr(n, "href", None) for n in nodes]
    buttons = [n.id for n in nodes if isinstance(getattr(n, "id", None), dict)]
    assert buttons == [{"type": "rev-pick", "figure": reply["figure_id"]}]  # the curated row has no figure
    assert "correct it in data/curated" in text
    # The form offers the reply's figure after the one awaiting review (12 workshops), marked as in conflict.
    (form,) = [n for n in nodes if getattr(n, "id", None) == "rev-figure"]
    pending = list(review.pending(queries.engine(disagreeing))["id"])
    assert [o["value"] for o in form.options] == [*pending, reply["figure_id"]]
    assert "sources disagree" in _text(form.options[-1]["label"]) and "Figures awaiting review: 1." in text

    browser = Browser(app)
    # Choosing works only for a signed-in session, and only for a figure in conflict.
    assert _unchanged(browser.pick(reply["figure_id"]))
    browser.sign_in(TOKEN)
    chosen = json.loads(browser.pick(reply["figure_id"]))["response"]
    assert chosen["rev-figure"] == {"value": reply["figure_id"]}
    assert "is chosen" in json.dumps(chosen["rev-result"])
    workshops = sql(disagreeing, "SELECT id FROM figures WHERE text = '12 workshops'")[0]["id"]
    assert "no longer among the conflicting observations" in browser.pick(workshops)

    done = json.loads(browser.submit(reply["figure_id"], reason="superseded by the annual report", who="bo"))
    assert "Recorded" in json.dumps(done["response"]["rev-result"])
    # The section is drawn again: the rejected reply's row is gone, the curated one stays until the next run.
    again = json.dumps(done["response"]["rev-conflicts"])
    assert (
        "over 900" not in again
        and "rev-pick" not in again
        and "Flagged observations: 1; indicator and date pairs: 1." in again
    )
    options = done["response"]["rev-figure"]["options"]
    assert reply["figure_id"] not in [o["value"] for o in options]
    assert sql(disagreeing, "SELECT action, who FROM review_decisions") == [{"action": "reject", "who": "bo"}]
    left = sql(
        disagreeing, "SELECT source_kind FROM observations WHERE indicator_id = 'csdi_spatial_datasets'"
    )
    assert left == [{"source_kind": "curated"}]


def test_rev_no_conflicts_says_so(loaded, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(loaded)
    with app.server.test_request_context("/review", query_string={"lang": "zh"}):
        session[auth.SESSION_KEY] = auth.mark(TOKEN)
        tree = _page()["layout"](lang="zh")
    assert "沒有數值不一致的來源。" in _text(tree) and "登出" in _text(tree)


def test_rev_pending_values_are_written_out_and_sources_named_by_file(sqlite_url):
    """The form's meta line wrote `{value:g}`: a million read "1e+06"."""
    create_app(sqlite_url)  # registers the pages
    page = _module()
    todo = pd.DataFrame(
        [
            {
                "id": "f1",
                "text": "1,000,000 visits",
                "sentence": "There were 1,000,000 visits.",
                "value": 1_000_000.0,
                "unit": "visit",
                "qualifier": "exact",
                "mapping": "unmapped",
                "source": "/srv/private/corpus/LCQ1.txt",
            }
        ]
    )
    (option,) = page._options(todo, "en")
    meta = _text(option["label"])
    assert "1,000,000 visit" in meta and "1e+06" not in meta
    assert "LCQ1.txt" in meta and "/srv/private" not in meta


# The series part of the page (dashboard/series_panel.py) and the two versions of one reply.

SERIES_FORM = (
    "ser-action",
    "ser-pick",
    "ser-into",
    "ser-figure",
    "ser-label",
    "ser-label-zh",
    "ser-indicator",
    "ser-theme",
    "ser-reason",
    "ser-who",
    "ser-search",
)


@pytest.fixture
def twin_pair(tmp_path, sqlite_url):
    """Our gold LCQ7 of 2024-05-08 in both languages (the Chinese drops the hedge of "over 2 300")."""
    folder = tmp_path / "pair"
    folder.mkdir()
    rows = ["file,url,published,lang"]
    for src, lang in (
        (FIXTURES / "gold" / "replies" / "2024-05-08-LCQ7-open-data.txt", "en"),
        (FIXTURES / "gold_zh" / "replies" / "2024-05-08-LCQ7-open-data-zh.txt", "zh-Hant"),
    ):
        shutil.copy(src, folder / src.name)
        rows.append(f"{src.name},,2024-05-08,{lang}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    pipeline.run([folder], sqlite_url, curated_dir=folder / "none")
    return sqlite_url


def _series_submit(browser: Browser, **values: object) -> str:
    states = [(f, "value", values.get(f.removeprefix("ser-").replace("-", "_"))) for f in SERIES_FORM]
    return browser.post(
        [{"id": "ser-submit", "property": "n_clicks", "value": 1}],
        [*states, ("rev-lang", "data", "en")],
        "ser-submit.n_clicks",
    )


def _nodes(tree: object):  # type: ignore[no-untyped-def]
    """Every component of a layout as the endpoint sends it (JSON)."""
    if isinstance(tree, dict):
        yield tree
        for v in tree.get("props", {}).values():
            yield from _nodes(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _nodes(v)


def _is_twin_row(node: dict, figure_id: str) -> bool:
    props = node.get("props", {})
    return props.get("className") == "ser-twin" and props.get("data-figure") == figure_id


def _dropped(url: str) -> dict:
    return sql(
        url,
        "SELECT f.id, f.series, s.text AS sentence FROM figures f JOIN sentences s ON s.id = f.sentence_id"
        " WHERE f.text = 'over 2 300 datasets'",
    )[0]


def test_ser_the_panel_lists_series_shows_figures_with_sentences_and_the_twins_side_by_side(
    twin_pair, monkeypatch
):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    browser = Browser(create_app(twin_pair))
    panel = browser.sign_in(TOKEN)
    assert "ser-search" in panel and "ser-submit" in panel
    dropped = _dropped(twin_pair)
    # Both versions side by side, the English sentence and the Chinese one in one row.
    twin_rows = [r for r in json.loads(panel)["response"]["rev-body"]["children"] if isinstance(r, dict)]
    text = json.dumps(twin_rows, ensure_ascii=False)
    assert f'"data-figure": "{dropped["id"]}"' in text
    (row,) = [json.dumps(n, ensure_ascii=False) for n in _nodes(twin_rows) if _is_twin_row(n, dropped["id"])]
    assert "自2019年起" in row and "over 2 300 datasets" in row and " on the Portal have been provided" in row

    found = browser.post(
        [{"id": "ser-search", "property": "value", "value": "machine readable datasets"}],
        [("rev-lang", "data", "en")],
        "ser-search.value",
    )
    options = json.loads(found)["response"]["ser-pick"]["options"]
    assert dropped["series"] in [o["value"] for o in options]
    assert all("machine readable" in o["label"] for o in options)

    shown = browser.post(
        [{"id": "ser-pick", "property": "value", "value": dropped["series"]}],
        [("rev-lang", "data", "en")],
        "ser-pick.value",
    )
    answer = json.loads(shown)["response"]
    assert dropped["id"] in [o["value"] for o in answer["ser-figure"]["options"]]
    table = json.dumps(answer["ser-figures"], ensure_ascii=False)
    assert "disagrees" in table and "over 2 300 datasets" in table and "2 300個數據集" in table


def test_ser_a_merge_rename_and_split_from_the_page_are_stored_decisions(twin_pair, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    browser = Browser(create_app(twin_pair))
    browser.sign_in(TOKEN)
    dropped = _dropped(twin_pair)
    other = next(
        r["series"]
        for r in sql(twin_pair, "SELECT DISTINCT series FROM figures")
        if r["series"] != dropped["series"]
    )
    merged = _series_submit(
        browser, action="merge", pick=dropped["series"], into=other, reason="same measure", who="ana"
    )
    assert f"Recorded: Merge into another series for series {other}" in merged
    assert sql(twin_pair, "SELECT series FROM figures WHERE id = :i", i=dropped["id"]) == [{"series": other}]
    renamed = _series_submit(
        browser,
        action="rename",
        pick=other,
        label="Portal datasets",
        label_zh="數據集",
        reason="r",
        who="ana",
    )
    assert "Recorded: Rename" in renamed
    split = _series_submit(
        browser, action="split", pick=other, figure=dropped["id"], reason="apart", who="ben"
    )
    assert "Recorded: Split a figure out" in split
    stored = sql(
        twin_pair,
        "SELECT action, series, into_series, label_en, who, reason FROM series_decisions ORDER BY id",
    )
    assert [(d["action"], d["who"], d["reason"]) for d in stored] == [
        ("merge", "ana", "same measure"),
        ("rename", "ana", "r"),
        ("split", "ben", "apart"),
    ]
    assert stored[1]["label_en"] == "Portal datasets"
    # A mistake is one line on the page, and nothing is stored.
    bad = _series_submit(browser, action="merge", pick=other, into="no.such", reason="x", who="ana")
    assert "merge needs a second known series" in bad
    assert len(sql(twin_pair, "SELECT id FROM series_decisions")) == 3


def test_ser_no_session_or_forged_values_store_nothing(twin_pair, monkeypatch):
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    app = create_app(twin_pair)
    dropped = _dropped(twin_pair)
    stranger = Browser(app)
    answer = _series_submit(stranger, action="rename", pick=dropped["series"], label="x", reason="r", who="m")
    assert "has not given the review token" in answer
    assert "has not given the review token" in stranger.post(
        [{"id": "ser-search", "property": "value", "value": "dataset"}],
        [("rev-lang", "data", "en")],
        "ser-search.value",
    )
    reviewer = Browser(app)
    reviewer.sign_in(TOKEN)
    for forged, line in (
        ({"action": "drop table"}, "the action 'drop table' is not a choice the page offers"),
        ({"who": "x" * 5000}, "the reviewer's name is 5,000 characters long"),
        ({"label": "a\x00b"}, "the English label holds control characters"),
        ({"action": "promote", "theme": "nope", "indicator": "new_one"}, "the theme 'nope' is not a choice"),
    ):
        values = {"action": "rename", "pick": dropped["series"], "label": "x", "reason": "r", "who": "m"}
        assert line in _series_submit(reviewer, **{**values, **forged})
    monkeypatch.delenv("ITDASH_REVIEW_TOKEN")
    assert "read-only" in _series_submit(
        reviewer, action="rename", pick=dropped["series"], label="x", reason="r", who="m"
    )
    assert sql(twin_pair, "SELECT id FROM series_decisions") == []


def test_ser_promote_from_the_page_writes_the_registry_entry(twin_pair, monkeypatch, tmp_path):
    from etl import indicators, settings

    promoted = tmp_path / "promoted.toml"
    monkeypatch.setattr(settings, "PROMOTED_FILE", promoted)
    monkeypatch.setenv("ITDASH_REVIEW_TOKEN", TOKEN)
    browser = Browser(create_app(twin_pair))
    browser.sign_in(TOKEN)
    (sid,) = [
        r["series"]
        for r in sql(
            twin_pair,
            "SELECT series, count(*) AS n FROM figures WHERE mapping = 'unmapped' AND as_of_start <= '2024-05-08' "
            "GROUP BY series ORDER BY n DESC, series LIMIT 1",
        )
    ]
    theme = next(iter(indicators.load().themes))
    answer = _series_submit(
        browser,
        action="promote",
        pick=sid,
        indicator="page_promoted",
        theme=theme,
        reason="a line",
        who="ana",
    )
    assert f"Recorded: Promote into the registry for series {sid}" in answer
    assert indicators.load().indicators["page_promoted"].theme == theme
    assert (
        sql(twin_pair, "SELECT count(*) AS n FROM observations WHERE indicator_id = 'page_promoted'")[0]["n"]
        > 0
    )
    again = _series_submit(
        browser, action="promote", pick=sid, indicator="page_promoted", theme=theme, reason="twice", who="ana"
    )
    assert "indicator 'page_promoted' exists already" in again
