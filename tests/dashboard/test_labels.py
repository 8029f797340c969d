"""dashboard/labels.toml is complete, and the address helpers keep views reproducible."""

from __future__ import annotations

import re
import string
from pathlib import Path

from babel import Locale

from dashboard import formatting, i18n
from dashboard.queries import Filters
from etl import indicators

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
QUALIFIERS = ["exact", "over", "at_least", "about", "up_to", "under", "nearly"]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _forms(key: str, lang: str, text: object) -> list[str]:
    """A label's texts in one language: one string, or its plural forms, each a CLDR category of it."""
    if isinstance(text, str):
        return [text]
    assert isinstance(text, dict) and "other" in text, (key, lang)
    categories = Locale.parse(formatting.locale(lang)).plural_form.tags | {"other"}
    assert set(text) <= categories, (key, lang, sorted(set(text) - categories))
    assert all(isinstance(v, str) for v in text.values()), (key, lang)
    assert "n" in _fields(text["other"]), (key, lang, "plural forms are chosen by {n}")
    return list(text.values())


def test_every_label_has_both_languages_with_the_same_fields():
    labels = i18n.labels()
    assert len(labels) > 50
    plural = 0
    for key, texts in labels.items():
        assert set(texts) == {"en", "zh"}, key
        forms = {lang: _forms(key, lang, texts[lang]) for lang in ("en", "zh")}
        plural += isinstance(texts["en"], dict)
        fields = {frozenset(_fields(f)) for lang in forms for f in forms[lang]}
        assert all(f.strip() for lang in forms for f in forms[lang]), key
        assert len(fields) == 1, (key, fields)
    assert plural >= 5


def test_every_label_the_code_asks_for_exists():
    source = "\n".join(p.read_text(encoding="utf-8") for p in DASHBOARD.rglob("*.py"))
    literal = set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z_]+)"', source))
    prefixes = set(re.findall(r'\bt\(\s*f"([a-z_]+)\.\{', source))
    assert literal and prefixes
    labels = i18n.labels()
    assert sorted(literal - set(labels)) == []
    sections = {k.split(".")[0] for k in labels}
    assert sorted(prefixes - sections) == []
    # Open vocabularies the code labels by value.
    for q in QUALIFIERS:
        assert f"qualifier.{q}" in labels
    for group in ("exact", "lower", "upper", "approx"):
        assert f"chart.{group}" in labels


def test_every_indicator_unit_has_a_label_and_unknown_units_show_their_code():
    units = {ind.unit for ind in indicators.load().indicators.values()}
    labels = i18n.labels()
    assert sorted(u for u in units if f"unit.{u}" not in labels) == []
    assert i18n.unit("dataset", "zh") == "數據集" and i18n.unit("dataset", "en") == "dataset"
    assert i18n.unit("bureau/department", "zh") == "政策局／部門"
    assert i18n.unit("widget", "zh") == "widget" and i18n.unit(None, "en") == ""


def test_language_parameter_and_missing_keys():
    assert i18n.lang_of("zh") == i18n.lang_of("zh-HK") == "zh"
    assert i18n.lang_of(None) == i18n.lang_of("fr") == "en"
    assert i18n.t("nav.overview", "zh") == "概覽"
    assert i18n.t("status.someday", "en", default="someday") == "someday"


def test_addresses_leave_out_defaults_and_round_trip():
    assert i18n.query({"indicator": "gerd", "scale": "linear", "lang": "en"}) == "?indicator=gerd"
    q = i18n.query({"indicator": "gerd", "scale": "log", "lang": "zh", "theme": None})
    assert q == "?indicator=gerd&scale=log&lang=zh"
    assert i18n.params(q) == {"indicator": "gerd", "scale": "log", "lang": "zh"}
    assert i18n.href("/sources", "zh", doc="abc") == "/sources?doc=abc&lang=zh"
    f = Filters.from_args({"source_kind": "reply", "from": "2020-01-01", "lang": "zh"})
    assert Filters.from_args(f.args()) == f and f.args() == {"source_kind": "reply", "from": "2020-01-01"}
