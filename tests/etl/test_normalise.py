"""normalise on a handful of hand-made figures: mapping, bounds, periods, targets, ids."""

from __future__ import annotations

from datetime import date

import pytest

from etl import normalise
from etl.indicators import Registry
from schemas.figure import Figure
from schemas.registry import IndicatorDef, Rule, Theme
from schemas.storage import FigureRow, Observation, Target

THEME = Theme(id="t", label_en="T", label_zh="T")
DEFINITION = "A definition long enough for the model."


def indicator(id: str, unit: str, *rules: Rule) -> IndicatorDef:
    return IndicatorDef(
        id=id,
        label_en=id,
        label_zh=id,
        unit=unit,
        theme="t",
        kind="stock",
        definition=DEFINITION,
        rules=rules,
    )


REGISTRY = Registry(
    themes={"t": THEME},
    indicators={
        "portal_datasets": indicator(
            "portal_datasets", "dataset", Rule(units=["dataset"], clause_any=["portal"])
        ),
        "all_datasets": indicator(
            "all_datasets", "dataset", Rule(units=["dataset"], clause_all=["released"], clause_none=["draft"])
        ),
        "start_ups": indicator("start_ups", "start-up", Rule(units=["start-up"], subjects=["incubat"])),
    },
    digest="test",
)


def figure(
    clause: str,
    unit: str = "dataset",
    value: float = 100,
    qualifier: str = "exact",
    as_of: str = "2024-03-31",
    part: str = "reply",
    subject: str | None = None,
    start: int = 10,
) -> Figure:
    return Figure(
        doc="d.txt",
        part=part,
        item=None,
        start=start,
        end=start + 5,
        text=f"{value:g}",
        value=value,
        qualifier=qualifier,
        unit=unit,
        subject=subject,
        as_of=as_of,
        sentence=f"In short, {clause}.",
        clause=clause,
    )


@pytest.mark.parametrize(
    ("qualifier", "want"),
    [
        ("exact", (80, 80)),
        ("over", (80, None)),
        ("at_least", (80, None)),
        ("nearly", (None, 80)),
        ("under", (None, 80)),
        ("up_to", (None, 80)),
        ("about", (None, None)),
    ],
)
def test_bounds_follow_the_qualifier(qualifier, want):
    assert normalise.bounds(80, qualifier) == want


def test_a_period_is_a_day_or_an_interval():
    assert normalise.period("2024-03-31") == (date(2024, 3, 31), date(2024, 3, 31))
    assert normalise.period("2023-04-01/2024-03-31") == (date(2023, 4, 1), date(2024, 3, 31))
    with pytest.raises(ValueError):
        normalise.period("end of 2024")


def test_mapping_needs_exactly_one_indicator():
    one = normalise.map_figure(figure("5 000 datasets on the portal"), REGISTRY)
    assert one == normalise.Mapping("mapped", "portal_datasets", "portal_datasets#1")
    both = normalise.map_figure(figure("5 000 datasets released on the portal"), REGISTRY)
    assert both.status == "ambiguous" and both.rule == "all_datasets#1;portal_datasets#1"
    # clause_none and whole words: "portals" is not "portal", "draft" vetoes
    assert normalise.map_figure(figure("datasets released as a draft"), REGISTRY).status == "unmapped"
    assert normalise.map_figure(figure("datasets on portals"), REGISTRY).status == "unmapped"
    asked = normalise.map_figure(figure("datasets on the portal", part="question"), REGISTRY)
    assert asked.status == "question"
    by_subject = figure("30 start-ups", unit="start-up", subject="incubation programme")
    assert normalise.map_figure(by_subject, REGISTRY).indicator_id == "start_ups"
    assert normalise.map_figure(figure("30 start-ups", unit="start-up"), REGISTRY).status == "unmapped"


def test_a_figure_dated_after_its_reply_is_a_target():
    published = date(2024, 7, 10)
    assert normalise.is_target(date(2027, 12, 31), published)
    assert not normalise.is_target(published, published)  # the reply's own day is a fact
    assert not normalise.is_target(date(2024, 1, 1), published)
    assert not normalise.is_target(date(2027, 1, 1), None)  # no date to compare: not a goal


def test_a_reply_becomes_figures_observations_and_targets():
    found = [
        figure("over 5 000 datasets on the portal", value=5000, qualifier="over", start=10),
        figure("6 000 datasets on the portal", value=6000, as_of="2026-12-31", start=40),
        figure("300 datasets in a catalogue", value=300, start=70),
    ]
    out = normalise.reply(found, REGISTRY, "a" * 64, "https://example.org/r", date(2024, 7, 10))
    assert [f["id"] for f in out.figures] == [
        "aaaaaaaaaaaaaaaa-10-15",
        "aaaaaaaaaaaaaaaa-40-45",
        "aaaaaaaaaaaaaaaa-70-75",
    ]
    assert [f["mapping"] for f in out.figures] == ["mapped", "mapped", "unmapped"]
    assert out.mapped == 2
    (obs,) = out.observations
    assert (obs["id"], obs["indicator_id"], obs["lower"], obs["upper"]) == (
        "reply:aaaaaaaaaaaaaaaa-10-15",
        "portal_datasets",
        5000,
        None,
    )
    assert (obs["period_start"], obs["period_end"], obs["published"]) == (
        date(2024, 3, 31),
        date(2024, 3, 31),
        date(2024, 7, 10),
    )
    assert (obs["source_kind"], obs["figure_id"], obs["rule"], obs["status"]) == (
        "reply",
        out.figures[0]["id"],
        "portal_datasets#1",
        "auto",
    )
    (goal,) = out.targets
    assert (goal["id"], goal["value"], goal["period_end"]) == (
        "reply:aaaaaaaaaaaaaaaa-40-45",
        6000,
        date(2026, 12, 31),
    )
    # The sentence is stored once and named, not copied onto the goal and the point.
    assert goal["note"] is None and obs["sentence"] is None
    assert (
        goal["sentence_id"] == out.figures[1]["sentence_id"]
        and obs["sentence_id"] == out.figures[0]["sentence_id"]
    )
    assert {s["id"]: s["text"] for s in out.sentences}[
        goal["sentence_id"]
    ] == "In short, 6 000 datasets on the portal."
    # Column dicts with every column of their table, as the model would give them: what the
    # bulk writer inserts (it builds no model objects).
    for rows, model in ((out.figures, FigureRow), (out.observations, Observation), (out.targets, Target)):
        for row in rows:
            assert set(row) == {c.key for c in model.__table__.columns}
            built = model(**row)
            assert {c.key: getattr(built, c.key) for c in model.__table__.columns} == row


def test_an_observation_carries_its_period_and_bounds_whoever_builds_it():
    stated = normalise.Stated(
        "curated:x.csv:1", "portal_datasets", "2023-04-01/2024-03-31", 12.5, "nearly", "dataset"
    )
    obs = normalise.observation(
        stated, normalise.Source("curated", None, None), sentence=None, rule="curated", status="reviewed"
    )
    assert (obs.period_start, obs.period_end) == (date(2023, 4, 1), date(2024, 3, 31))
    assert (obs.lower, obs.upper, obs.status, obs.preferred, obs.conflict) == (
        None,
        12.5,
        "reviewed",
        True,
        False,
    )


def test_a_target_has_its_period_and_no_bounds():
    stated = normalise.Stated("t1", "portal_datasets", "2027-12-31", 8000, "over", "dataset")
    goal = normalise.target(
        stated, normalise.Source("curated", "https://example.org/p", date(2024, 1, 5)), "plan"
    )
    assert (goal.period_start, goal.period_end, goal.source_kind, goal.note) == (
        date(2027, 12, 31),
        date(2027, 12, 31),
        "curated",
        "plan",
    )
    assert not hasattr(goal, "lower")
