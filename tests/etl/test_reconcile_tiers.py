"""reconcile with source tiers: an official source wins its date, and rounding is not a disagreement."""

from __future__ import annotations

from datetime import date

import pandas as pd

from etl import reconcile


def frame(*rows: tuple) -> pd.DataFrame:
    """Rows of (id, value, qualifier, source_kind, source_tier, published), all one indicator and date."""
    cols = ["id", "value", "qualifier", "source_kind", "source_tier", "published"]
    df = pd.DataFrame(list(rows), columns=cols)
    df["indicator_id"], df["as_of"] = "gerd", "2017-01-01/2017-12-31"
    df["published"] = [date.fromisoformat(p) for p in df["published"]]
    df["period_start"], df["period_end"] = date(2017, 1, 1), date(2017, 12, 31)
    return df


def flags(obs: pd.DataFrame) -> dict[str, tuple[bool, bool]]:
    return {r.id: (bool(r.conflict), bool(r.preferred)) for r in reconcile.reconcile(obs).itertuples()}


def test_an_official_source_wins_over_a_newer_mirror_or_news_report():
    obs = frame(
        ("news", 120, "exact", "curated", "secondary", "2020-06-01"),
        ("copy", 110, "exact", "curated", "mirror", "2020-05-01"),
        ("csd", 100, "exact", "curated", "official", "2019-01-01"),
    )
    assert flags(obs) == {"csd": (True, True), "copy": (True, False), "news": (True, False)}
    without_official = obs[obs["id"] != "csd"]
    assert flags(without_official) == {"copy": (True, True), "news": (True, False)}


def test_a_rounded_statement_of_one_value_is_not_a_conflict():
    obs = frame(
        ("billions", 21.28e9, "exact", "curated", "official", "2019-01-01"),
        ("millions", 21_280.4e6, "exact", "curated", "official", "2019-02-01"),
        ("about", 21.3e9, "about", "curated", "secondary", "2019-03-01"),
    )
    assert flags(obs) == {"millions": (False, True), "billions": (False, False), "about": (False, False)}


def test_beyond_the_tolerance_or_with_another_bound_it_is_a_conflict():
    far = frame(
        ("a", 22_213e6, "exact", "curated", "official", "2019-01-01"),
        ("b", 21_280e6, "exact", "curated", "official", "2019-02-01"),
    )
    assert {k: c for k, (c, _) in flags(far).items()} == {"a": True, "b": True}
    bound = frame(
        ("a", 4000, "over", "curated", "official", "2019-01-01"),
        ("b", 4000, "exact", "curated", "official", "2019-02-01"),
    )
    assert {k: c for k, (c, _) in flags(bound).items()} == {"a": True, "b": True}


def test_agree_is_relative_and_symmetric():
    assert reconcile.agree(21.28e9, "exact", 21_280.4e6, "exact")
    assert reconcile.agree(21_280.4e6, "exact", 21.28e9, "exact")
    assert reconcile.agree(0.73, "exact", 0.73, "about")
    assert not reconcile.agree(0.73, "exact", 0.76, "exact")
    assert not reconcile.agree(100, "exact", 100.6, "exact")
