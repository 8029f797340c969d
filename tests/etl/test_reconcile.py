"""reconcile on a handful of rows: groups, revisions, conflicts, the preferred value, warnings."""

from __future__ import annotations

from datetime import date

import pandas as pd

from etl import reconcile

COLUMNS = ["id", "indicator_id", "as_of", "value", "qualifier", "source_kind", "published"]


def frame(*rows: tuple) -> pd.DataFrame:
    """Rows of (id, indicator, as_of, value, qualifier, source_kind, published), as load reads them."""
    df = pd.DataFrame(list(rows), columns=COLUMNS)
    df["published"] = [date.fromisoformat(p) if isinstance(p, str) else None for p in df["published"]]
    df["period_start"] = [date.fromisoformat(a.partition("/")[0]) for a in df["as_of"]]
    df["period_end"] = [date.fromisoformat(a.rpartition("/")[2]) for a in df["as_of"]]
    return df


def flags(obs: pd.DataFrame) -> dict[str, tuple]:
    got = reconcile.reconcile(obs)
    return {r.id: (bool(r.conflict), r.revision, bool(r.preferred)) for r in got.itertuples()}


def test_agreeing_sources_are_not_flagged_and_the_newest_is_preferred():
    obs = frame(
        ("a", "x", "2024-03-31", 100, "exact", "reply", "2024-05-01"),
        ("b", "x", "2024-03-31", 100, "exact", "curated", "2024-06-01"),
    )
    assert flags(obs) == {"a": (False, None, False), "b": (False, None, True)}


def test_replies_on_different_days_are_revisions():
    obs = frame(
        ("old", "x", "2024-03-31", 100, "exact", "reply", "2024-05-01"),
        ("new", "x", "2024-03-31", 110, "exact", "reply", "2024-09-01"),
    )
    assert flags(obs) == {"new": (False, "revision", True), "old": (False, "revised", False)}


def test_a_reply_against_a_curated_row_or_two_replies_of_one_day_conflict():
    mixed = frame(
        ("r", "x", "2024-03-31", 100, "exact", "reply", "2024-05-01"),
        ("c", "x", "2024-03-31", 120, "exact", "curated", "2024-04-01"),
    )
    assert flags(mixed) == {"r": (True, None, True), "c": (True, None, False)}
    same_day = frame(
        ("p", "x", "2024-03-31", 100, "exact", "reply", "2024-05-01"),
        ("q", "x", "2024-03-31", 100, "over", "reply", "2024-05-01"),
    )
    assert {k: v[0] for k, v in flags(same_day).items()} == {"p": True, "q": True}


def test_the_preferred_value_breaks_ties_by_precision_then_replies_then_id():
    obs = frame(
        # same day: exact beats over
        ("1", "x", "2024-03-31", 100, "over", "reply", "2024-05-01"),
        ("2", "x", "2024-03-31", 100, "exact", "reply", "2024-05-01"),
        # same day and qualifier: a reply beats a curated row
        ("3", "y", "2024-03-31", 5, "exact", "curated", "2024-05-01"),
        ("4", "y", "2024-03-31", 5, "exact", "reply", "2024-05-01"),
        # an unknown date counts as oldest; then the smallest id
        ("5", "z", "2024-03-31", 7, "exact", "curated", None),
        ("7", "z", "2024-03-31", 7, "exact", "curated", "2020-01-01"),
        ("6", "z", "2024-03-31", 7, "exact", "curated", "2020-01-01"),
    )
    preferred = {k for k, v in flags(obs).items() if v[2]}
    assert preferred == {"2", "4", "6"}


def test_no_rows_give_an_empty_frame_with_the_columns():
    got = reconcile.reconcile(frame())
    assert got.empty and list(got.columns) == ["id", "conflict", "revision", "preferred"]


def test_warnings_check_each_preferred_series():
    obs = frame(
        ("s1", "stock", "2023-12-31", 500, "exact", "reply", "2024-01-10"),
        ("s2", "stock", "2024-06-30", 450, "exact", "reply", "2024-07-10"),
        ("f1", "flow", "2022-04-01/2023-03-31", 10, "exact", "reply", "2023-05-01"),
        ("f2", "flow", "2023-01-01/2023-12-31", 12, "exact", "reply", "2024-02-01"),
        ("o1", "odd", "2020-12-31", 100, "exact", "reply", "2021-01-10"),
        ("o2", "odd", "2021-12-31", 105, "exact", "reply", "2022-01-10"),
        ("o3", "odd", "2022-12-31", 5000, "exact", "reply", "2023-01-10"),  # 45x both neighbours
        ("o4", "odd", "2023-12-31", 110, "exact", "reply", "2024-01-10"),
        ("o5", "odd", "2024-12-31", 108, "exact", "reply", "2025-01-10"),
        ("hidden", "stock", "2025-06-30", 1, "exact", "reply", None),  # not preferred below
    )
    obs["preferred"] = obs["id"] != "hidden"
    found = reconcile.warnings(obs, {"stock": "stock", "flow": "flow", "odd": "amount"})
    assert sorted((w["kind"], w["observation_id"]) for w in found) == [
        ("falling_stock", "s2"),
        ("outlier", "o3"),
        ("overlapping_flow", "f2"),
    ]
    falling = next(w for w in found if w["kind"] == "falling_stock")
    assert (
        falling["id"] == "falling_stock:s2" and "500 (2023-12-31) to 450 (2024-06-30)" in falling["message"]
    )
