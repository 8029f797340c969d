"""Issue 13: a point's sentence in the page's language when the other version states it, both
versions linked. Over the project's own sample (data/sample), whose replies come in both languages.

Codes `twn`; the browser test is marked like tests/dashboard/test_browser*.py.
"""

from __future__ import annotations

import time

import pytest

from dashboard.app import create_app
from etl import pipeline, settings
from tests.dashboard.conftest import sql

IND = "open_data_datasets"


@pytest.fixture
def sample(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'sample.sqlite'}"
    pipeline.run([settings.SAMPLE_CORPUS], url, curated_dir=tmp_path / "none")
    return url


def _pair(url: str) -> dict:
    """A point read from an English reply, its figure's Chinese twin and both sentences."""
    return sql(
        url,
        "SELECT o.doc_id, o.figure_id, f.text, s.text AS sentence, t.id AS twin_id, t.doc_id AS twin_doc,"
        " t.text AS twin_text, ts.text AS twin_sentence, t.twin_id AS back"
        " FROM observations o JOIN figures f ON f.id = o.figure_id JOIN sentences s ON s.id = f.sentence_id"
        " JOIN documents d ON d.id = o.doc_id JOIN figures t ON t.id = f.twin_id"
        " JOIN sentences ts ON ts.id = t.sentence_id JOIN documents td ON td.id = t.doc_id"
        " WHERE o.indicator_id = :i AND d.lang = 'en' AND td.lang LIKE 'zh%' ORDER BY o.period_end LIMIT 1",
        i=IND,
    )[0]


def _page(client, search: str) -> dict:  # type: ignore[no-untyped-def]
    """The indicator page as the browser asks for it: the pages router's callback."""
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/indicator"},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    got = client.post("/_dash-update-component", json=body)
    assert got.status_code == 200
    return got.json["response"]["_pages_content"]["children"]


def _nodes(tree):  # type: ignore[no-untyped-def]
    if isinstance(tree, dict):
        yield tree
        yield from _nodes(tree.get("props", {}).get("children"))
    elif isinstance(tree, list):
        for x in tree:
            yield from _nodes(x)


def _text(tree) -> str:  # type: ignore[no-untyped-def]
    if isinstance(tree, str):
        return tree
    if isinstance(tree, dict):
        return _text(tree.get("props", {}).get("children"))
    if isinstance(tree, list):
        return "".join(_text(x) for x in tree)
    return ""


def _row(page, figure_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The cells of the table row whose reply link lands on `figure_id`."""
    rows = [n for n in _nodes(page) if n.get("type") == "Tr" and "obs-row" in n["props"].get("className", "")]
    for r in rows:
        hrefs = [n["props"].get("href", "") for n in _nodes(r)]
        if any(h.endswith(f"#fig-{figure_id}") for h in hrefs):
            return [c for c in r["props"]["children"] if isinstance(c, dict)]
    raise AssertionError(f"no table row links figure {figure_id}")


def test_twn001_a_chinese_page_shows_the_chinese_sentence_of_an_english_point_and_links_both(sample):
    pair = _pair(sample)
    assert pair["back"] == pair["figure_id"]  # each figure names the other as its twin
    assert pair["twin_sentence"] != pair["sentence"] and pair["twin_text"] in pair["twin_sentence"]
    client = create_app(sample).server.test_client()
    client.get("/")

    zh = _row(_page(client, f"?indicator={IND}&lang=zh"), pair["figure_id"])
    sentence = zh[-1]
    assert _text(sentence) == pair["twin_sentence"] and sentence["props"]["lang"] == "zh-Hant-HK"
    links = [n["props"] for n in _nodes(zh[4]) if n.get("type") == "Link"]
    assert [link["href"] for link in links] == [
        f"/sources?doc={pair['doc_id']}&lang=zh#fig-{pair['figure_id']}",
        f"/sources?doc={pair['twin_doc']}&lang=zh#fig-{pair['twin_id']}",
    ]
    assert _text(links[1]["children"]) == "中文版"
    chart = next(
        n for n in _nodes(_page(client, f"?indicator={IND}&lang=zh")) if n["props"].get("id") == "ind-chart"
    )
    hovers = "".join(h for tr in chart["props"]["figure"]["data"] for h in (tr.get("hovertext") or []))
    assert pair["twin_sentence"][:20] in hovers.replace("<br>", "")

    en = _row(_page(client, f"?indicator={IND}"), pair["figure_id"])
    assert _text(en[-1]) == pair["sentence"] and en[-1]["props"]["lang"] == "en"
    links = [n["props"] for n in _nodes(en[4]) if n.get("type") == "Link"]
    assert links[1]["href"] == f"/sources?doc={pair['twin_doc']}#fig-{pair['twin_id']}"
    assert _text(links[1]["children"]) == "Chinese version"


@pytest.mark.browser
def test_twn002_the_other_versions_link_opens_it_at_the_same_figure(dash_duo, sample):
    pair = _pair(sample)
    dash_duo.start_server(create_app(sample))
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/indicator?indicator={IND}&lang=zh")
    dash_duo.wait_for_element("#ind-obs-table")
    cell = dash_duo.find_element(f"#ind-obs-table a.twin[href$='#fig-{pair['twin_id']}']")
    row = cell.find_element("xpath", "./ancestor::tr")
    assert row.find_element("css selector", "td.sentence").text == pair["twin_sentence"]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.click()
    deadline = time.monotonic() + 10
    landed = None
    while landed is None and time.monotonic() < deadline:
        landed = dash_duo.driver.execute_script("return document.querySelector('#src-text mark.landed')")
        time.sleep(0.1)
    assert landed is not None, "the Chinese figure was not marked"
    assert landed.get_attribute("id") == f"fig-{pair['twin_id']}" and landed.text == pair["twin_text"]
    assert f"doc={pair['twin_doc']}" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
