"""Analysts' decisions on whole series: merge, split, rename, promote; applied after every run.

A series id is computed from a figure's facets (etl/series.py), so the same
figure restated in a later reply gets the same id, and a decision keyed by
series id holds for it too. The ETL assigns series, compares the two versions
of each reply (etl/pairing.py), then `apply` lays every series decision on
top, in the order they were made, before the figure-level review decisions
(etl/review.py), so a figure a reviewer rejected stays rejected whatever
series it joins.

Promoting writes the new indicator to data/promoted.toml, which the registry
reads beside data/indicators.toml (etl/indicators.py): the definition is data,
and the stored decision maps the series' unmapped figures to it on every run.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import tomli_w
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from etl import indicators, normalise, pairing, series, settings, uncurated
from etl.errors import ItdashError
from etl.sentences import text_of
from schemas.registry import IndicatorDef
from schemas.storage import DocumentRow, FigureRow, Indicator, SeriesDecision

ACTIONS = ("merge", "split", "rename", "promote")
_COLUMNS = ["series", "label_en", "label_zh", "scope", "unit", "figures", "indicator", "decided"]


def _zh(lang: str | None) -> bool:
    return bool(lang) and str(lang).startswith("zh")


def _figure_frame(engine: Engine, series_id: str | None = None) -> pd.DataFrame:
    stmt = select(
        FigureRow.id,
        FigureRow.series,
        FigureRow.series_label,
        FigureRow.subject,
        FigureRow.unit,
        FigureRow.mapping,
        FigureRow.indicator_id,
        FigureRow.text,
        FigureRow.value,
        FigureRow.qualifier,
        FigureRow.as_of,
        text_of(FigureRow.sentence_id).label("sentence"),
        FigureRow.twin_agrees,
        FigureRow.start,
        DocumentRow.source,
        DocumentRow.lang,
        DocumentRow.published,
    ).join(DocumentRow, DocumentRow.id == FigureRow.doc_id)
    stmt = stmt.where(FigureRow.series.is_not(None))
    if series_id is not None:
        stmt = stmt.where(FigureRow.series == series_id)
    with engine.connect() as c:
        rows = c.execute(stmt).mappings().all()
    cols = [
        "id",
        "series",
        "series_label",
        "subject",
        "unit",
        "mapping",
        "indicator_id",
        "text",
        "value",
        "qualifier",
        "as_of",
        "sentence",
        "twin_agrees",
        "start",
        "source",
        "lang",
        "published",
    ]
    return pd.DataFrame(rows, columns=cols)


def _most(values: pd.Series) -> str | None:
    found = [v for v in values if isinstance(v, str) and v]
    return Counter(found).most_common(1)[0][0] if found else None


def _scope(subjects: pd.Series, series_id: str) -> str:
    """The scope the series' figures name (as etl.series resolves it), else the id's first part."""
    scopes = series.vocab().scopes
    named = _most(pd.Series([scopes.get(s, s) for s in subjects if isinstance(s, str) and s]))
    return named or series_id.split(".")[0].replace("_", " ")


def _stem(word: str) -> str:
    """ "datasets" finds "dataset": labels name the counted thing in the singular."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def summaries(engine: Engine, words: str = "") -> pd.DataFrame:
    """Every series with its labels (English and Chinese), scope, unit and count of figures.

    `words` keeps the series whose id, labels, scope or unit hold every one of them
    (case-insensitive; Chinese matched as written).
    """
    figs = _figure_frame(engine)
    with Session(engine) as s:
        decided = set(s.scalars(select(SeriesDecision.series))) | set(
            s.scalars(select(SeriesDecision.into_series).where(SeriesDecision.into_series.is_not(None)))
        )
    out = []
    for sid, g in figs.groupby("series", sort=True):
        zh = g["lang"].map(_zh)
        row = {
            "series": sid,
            "label_en": _most(g.loc[~zh, "series_label"]) or _most(g["series_label"]) or sid,
            "label_zh": _most(g.loc[zh, "series_label"]),
            "scope": _scope(g["subject"], str(sid)),
            "unit": _most(g["unit"]) or "",
            "figures": len(g),
            "indicator": _most(g.loc[g["mapping"] == "mapped", "indicator_id"]),
            "decided": sid in decided,
        }
        out.append(row)
    frame = pd.DataFrame(out, columns=_COLUMNS)
    wanted = [_stem(w.casefold()) for w in words.split()]
    if wanted and not frame.empty:
        text = frame[["series", "label_en", "label_zh", "scope", "unit"]].fillna("").astype(str)
        hay = text.agg(" ".join, axis=1).str.casefold()
        frame = frame[[all(w in h for w in wanted) for h in hay]]
    return frame.reset_index(drop=True)


def figures(engine: Engine, series_id: str) -> pd.DataFrame:
    """The figures of one series beside their sentences, oldest reply first."""
    figs = _figure_frame(engine, series_id)
    return figs.sort_values(["published", "source", "start"], kind="stable").reset_index(drop=True)


def _exists(s: Session, series_id: str) -> bool:
    return s.scalar(select(FigureRow.id).where(FigureRow.series == series_id).limit(1)) is not None


def _text(value: str | None, name: str, limit: int = 300) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise ItdashError(f"{name} must be one line of at most {limit} characters")
    return value


def split_id(series_id: str, figure_id: str) -> str:
    """The new series of a figure split out: its old series and a short digest of the figure."""
    return f"{series_id}.split_{hashlib.sha256(figure_id.encode()).hexdigest()[:8]}"


def decide(
    engine: Engine,
    action: str,
    series_id: str,
    reason: str,
    who: str,
    *,
    into: str | None = None,
    label_en: str | None = None,
    label_zh: str | None = None,
    indicator_id: str | None = None,
    theme: str | None = None,
) -> SeriesDecision:
    """Store one series decision after checking it makes sense, then apply; raises ItdashError.

    For `split`, `series_id` is the figure's id (the figure leaves whatever series it is in).
    """
    if action not in ACTIONS:
        raise ItdashError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    if not reason or not reason.strip():
        raise ItdashError("a decision needs a reason")
    if not who or not who.strip():
        raise ItdashError("a decision needs the name of who decides")
    label_en, label_zh = _text(label_en, "the English label"), _text(label_zh, "the Chinese label")
    decision = SeriesDecision(action=action, series=series_id, reason=reason.strip(), who=who.strip())
    with Session(engine) as s:
        if action == "split":
            fig = s.get(FigureRow, series_id)
            if fig is None:
                raise ItdashError(f"no figure {series_id!r}")
            if fig.series is None:
                raise ItdashError(f"figure {series_id!r} is in no series")
            decision.series, decision.figure_id = fig.series, fig.id
            decision.new_series = split_id(fig.series, fig.id)
        elif not _exists(s, series_id):
            raise ItdashError(f"no series {series_id!r}")
        if action == "merge":
            if not into or not _exists(s, into):
                raise ItdashError(f"merge needs a second known series, not {into!r}")
            if into == series_id:
                raise ItdashError("a series cannot be merged into itself")
            decision.into_series = into
        if action == "rename":
            if label_en is None and label_zh is None:
                raise ItdashError("rename needs a new label (--label or --label-zh)")
            decision.label_en, decision.label_zh = label_en, label_zh
        if action == "promote":
            entry = _promotion(engine, s, series_id, indicator_id, theme, label_en, label_zh, decision)
    if action == "promote":
        _write_promoted(entry, settings.PROMOTED_FILE)
        with Session(engine) as s, s.begin():
            s.merge(_indicator_row(entry))
    decision.at = datetime.now(UTC)
    with Session(engine) as s, s.begin():
        s.add(decision)
        s.flush()
        s.expunge(decision)
    apply(engine)
    # A renamed series shows its new label, a promoted one leaves the uncurated. In this process
    # alone: a decision is made in the dashboard's server, which starts no worker processes.
    uncurated.sync(engine, processes=1)
    return decision


def _promotion(
    engine: Engine,
    s: Session,
    series_id: str,
    indicator_id: str | None,
    theme: str | None,
    label_en: str | None,
    label_zh: str | None,
    decision: SeriesDecision,
) -> IndicatorDef:
    """The registry entry a promotion writes, checked as the registry checks its entries."""
    registry = indicators.load()
    if not indicator_id or not re.fullmatch(r"[a-z][a-z0-9_]*", indicator_id):
        raise ItdashError(f"promote needs a new indicator id of a-z, 0-9 and _, not {indicator_id!r}")
    if indicator_id in registry.indicators or s.get(Indicator, indicator_id) is not None:
        raise ItdashError(f"indicator {indicator_id!r} exists already")
    if theme not in registry.themes:
        raise ItdashError(f"theme {theme!r} is not one of {', '.join(sorted(registry.themes))}")
    about = summaries(engine).set_index("series").loc[series_id]
    unit = about["unit"] or "item"
    kind = uncurated.kind_of(series_id, unit)
    entry = IndicatorDef(
        id=indicator_id,
        label_en=label_en or about["label_en"],
        label_zh=label_zh or about["label_zh"] or label_en or about["label_en"],
        unit=unit,
        theme=theme,
        kind=kind,
        definition=f"Series {series_id}, promoted by {decision.who}: {decision.reason}",
        # The framing in Chinese; the reviewer's name and reason stay as they were typed.
        definition_zh=f"數列 {series_id}，由 {decision.who} 在覆核中提升為指標：{decision.reason}",
    )
    decision.indicator_id, decision.theme = entry.id, entry.theme
    decision.label_en, decision.label_zh = entry.label_en, entry.label_zh
    return entry


def _write_promoted(entry: IndicatorDef, path: Path) -> None:
    """Append the entry to data/promoted.toml (kept in registry order: oldest promotion first)."""
    data: dict = {"indicator": []}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ItdashError(f"{path}: {e}") from None
    data.setdefault("indicator", []).append(
        entry.model_dump(exclude={"rules", "headline"}, exclude_none=True)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    head = "# Series promoted into the registry by `itdash review series promote` (etl/series_review.py).\n"
    tmp.write_text(head + tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(path)


def _indicator_row(entry: IndicatorDef) -> Indicator:
    return Indicator(
        id=entry.id,
        label_en=entry.label_en,
        label_zh=entry.label_zh,
        unit=entry.unit,
        theme=entry.theme,
        kind=entry.kind,
        headline=entry.headline,
        definition=entry.definition.strip(),
        definition_zh=entry.definition_zh.strip() if entry.definition_zh else None,
    )


def _labels(s: Session, series_id: str) -> dict[bool, str]:
    """The series' label per language (True: Chinese), as its figures carry it."""
    rows = s.execute(
        select(FigureRow.series_label, DocumentRow.lang)
        .join(DocumentRow, DocumentRow.id == FigureRow.doc_id)
        .where(FigureRow.series == series_id, FigureRow.series_label.is_not(None))
    ).all()
    out: dict[bool, str] = {}
    for zh in (False, True):
        best = Counter(label for label, lang in rows if _zh(lang) == zh).most_common(1)
        if best:
            out[zh] = best[0][0]
    return out


def _docs(s: Session, zh: bool):  # type: ignore[no-untyped-def]
    chinese = DocumentRow.lang.startswith("zh")
    return select(DocumentRow.id).where(chinese if zh else ~chinese)


def _relabel(s: Session, series_id: str, labels: dict[bool, str]) -> None:
    for zh, label in labels.items():
        s.execute(
            update(FigureRow)
            .where(FigureRow.series == series_id, FigureRow.doc_id.in_(_docs(s, zh)))
            .values(series_label=label)
        )


def _promote(s: Session, d: SeriesDecision) -> None:
    """Map the series' unmapped figures to the promoted indicator (mapped ones keep theirs)."""
    ind = s.get(Indicator, d.indicator_id) if d.indicator_id else None
    if ind is None:
        return  # its entry left data/promoted.toml: nothing to map to
    figs = s.scalars(
        select(FigureRow).where(
            FigureRow.series == d.series, FigureRow.mapping.in_(["unmapped", "ambiguous"])
        )
    ).all()
    for fig in figs:
        doc = s.get(DocumentRow, fig.doc_id)
        fig.mapping, fig.indicator_id, fig.rule = "mapped", ind.id, "series-review"
        stated = normalise.Stated(
            normalise.reply_id(fig.id), ind.id, fig.as_of, fig.value, fig.qualifier, ind.unit
        )
        published = doc.published if doc else None
        source = normalise.Source(
            "reply",
            doc.url if doc else None,
            published,
            figure_id=fig.id,
            doc_id=fig.doc_id,
            sentence_id=fig.sentence_id,
        )
        if normalise.is_target(fig.as_of_start, published):
            s.merge(normalise.target(stated, source, note=None))
        else:
            s.merge(
                normalise.observation(stated, source, sentence=None, rule="series-review", status="reviewed")
            )


def apply(engine: Engine) -> int:
    """Lay every stored series decision over the figures, oldest first; returns how many applied.

    Each is idempotent (applied again to figures it already changed, it changes nothing), since
    an unchanged document keeps its figures from the run before.
    """
    applied = 0
    with Session(engine) as s, s.begin():
        for d in s.scalars(select(SeriesDecision).order_by(SeriesDecision.at, SeriesDecision.id)).all():
            if d.action == "merge" and d.into_series:
                labels = _labels(s, d.into_series)
                s.execute(update(FigureRow).where(FigureRow.series == d.series).values(series=d.into_series))
                _relabel(s, d.into_series, labels)
            elif d.action == "split" and d.figure_id and d.new_series:
                fig = s.get(FigureRow, d.figure_id)
                if fig is None:
                    continue  # stale: its document changed
                if fig.series != d.new_series:
                    fig.series = d.new_series
                    fig.series_label = f"{fig.series_label or d.series} (split)"
            elif d.action == "rename":
                labels = {}
                if d.label_en:
                    labels[False] = d.label_en
                if d.label_zh:
                    labels[True] = d.label_zh
                _relabel(s, d.series, labels)
            elif d.action == "promote":
                _promote(s, d)
            s.flush()
            applied += 1
    return applied


def after_load(engine: Engine) -> int:
    """What the pipeline runs once the documents are loaded: the two versions of each reply
    compared (their series joined), then every series decision; returns decisions applied."""
    pairing.compare_stored(engine)
    return apply(engine)


def stale(engine: Engine) -> list[SeriesDecision]:
    """Split decisions whose figure is gone (its document changed)."""
    with Session(engine) as s:
        found = s.scalars(
            select(SeriesDecision).where(
                SeriesDecision.figure_id.is_not(None), SeriesDecision.figure_id.not_in(select(FigureRow.id))
            )
        )
        return list(found)
