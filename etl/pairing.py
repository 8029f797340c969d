"""The two versions of one reply, compared in the database after the documents load.

`etl.twins` compares two lists of figures; the pipeline loads one document at a
time, so the comparison waits until both versions are stored. Then the figures
of each English and Chinese document of one day and LCQ number are read back,
compared, and their `twin_agrees`, `twin_id` (the figure's counterpart, for the dashboard to
show a point's sentence in the page's language) and the Chinese twin's series written.

Only pairs with a figure not compared yet are read: a newly loaded document's
reply figures have `twin_agrees` null, and an unchanged pair keeps what the
last run wrote. A document that lost its twin gets null again.

A disagreement is kept, not corrected: `disagreements` lines the two versions
up again for the review page and `itdash review twins`, and `warn` stores one
`twin_disagrees` warning per disagreeing figure on its series.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlmodel import Session

from etl import ahead, db, normalise, sentences, twins
from schemas.figure import Figure
from schemas.storage import DocumentRow, FigureRow, Observation, SeriesWarning

KIND = "twin_disagrees"
_CHUNK = 500  # ids per IN (...) list: well under SQLite's limit on bound parameters
# Batches of pairs from which worker processes compare ahead (etl/ahead.py): starting them
# costs a few seconds, more than comparing a few thousand pairs in the writer.
_AHEAD_FROM = 16


def _pairs(s: Session | Connection) -> dict[str, str]:
    """English document id -> Chinese document id, for every pair in the database."""
    docs = s.execute(
        select(
            DocumentRow.id, DocumentRow.lcq_number, DocumentRow.published, DocumentRow.lang, DocumentRow.url
        )
    ).all()
    found = [twins.Document(d.id, d.lcq_number, d.published, d.lang, d.url) for d in docs]
    return {p.en: p.zh for p in twins.pair_documents(found)}


# What is read of a figure: what `twins` compares (values, qualifiers, as_of and series, in
# order) and what a disagreement shows (its mapping; its sentence, by id, read only for those).
_COLUMNS = FigureRow.__table__.c  # type: ignore[attr-defined]
_READ = [
    _COLUMNS[name]
    for name in (
        "id", "doc_id", "part", "item", "start", "end", "text", "value", "qualifier", "unit", "subject",
        "as_of", "series", "series_label", "twin_agrees", "twin_id", "mapping", "indicator_id",
        "sentence_id",
    )
]  # fmt: skip
_WRITTEN = ("twin_agrees", "series", "series_label", "twin_id")


def _read_figures(
    c: Connection, doc_ids: list[str], with_sentences: bool = False
) -> dict[str, list[tuple[Row, Figure]]]:
    """The figures of these documents in document order, each row with its `Figure` (whose
    sentence is read only `with_sentences`: the review shows it, the comparison needs none)."""
    out: dict[str, list[tuple[Row, Figure]]] = {d: [] for d in doc_ids}
    rows = c.execute(select(*_READ).where(_COLUMNS.doc_id.in_(doc_ids)).order_by(_COLUMNS.ordinal)).all()
    words = sentences.texts(c, (r.sentence_id for r in rows)) if with_sentences else {}
    for r in rows:
        fig = Figure(
            doc=r.doc_id, part=r.part, item=r.item, start=r.start, end=r.end, text=r.text,
            value=r.value, qualifier=r.qualifier, unit=r.unit, subject=r.subject, as_of=r.as_of,
            sentence=words.get(r.sentence_id or "", ""), series=r.series, series_label=r.series_label,
            twin_agrees=r.twin_agrees,
        )  # fmt: skip
        out[r.doc_id].append((r, fig))
    return out


def _batches(pairs: list[tuple[str, str]], size: int = _CHUNK // 2) -> list[list[tuple[str, str]]]:
    """The pairs 250 at a time (500 documents: one IN list)."""
    return [pairs[k : k + size] for k in range(0, len(pairs), size)]


def _compared(c: Connection, batch: list[tuple[str, str]]) -> tuple[list[dict], int]:
    """The rows of a batch of pairs whose comparison changed, and how many of its pairs are
    confirmed one reply."""
    figures = _read_figures(c, [d for pair in batch for d in pair])
    changed: list[dict] = []
    compared = 0
    for en_id, zh_id in batch:
        rows = _changes(figures[en_id], figures[zh_id])
        if rows is not None:
            changed += rows
            compared += 1
    return changed, compared


def _changes(english: list[tuple[Row, Figure]], chinese: list[tuple[Row, Figure]]) -> list[dict] | None:
    """The rows of one pair whose comparison changed (None: the two are not one reply)."""
    if not twins.confirmed([f for _, f in english], [f for _, f in chinese]):
        return None
    row_of = {id(f): r for r, f in english + chinese}
    twin: dict[str, str] = {}
    for a, b in twins.compare([f for _, f in english], [f for _, f in chinese]):
        if a is not None and b is not None:
            twin[row_of[id(a)].id], twin[row_of[id(b)].id] = row_of[id(b)].id, row_of[id(a)].id
    out = []
    for row, fig in english + chinese:
        now = (fig.twin_agrees, fig.series, fig.series_label, twin.get(row.id))
        if now != (row.twin_agrees, row.series, row.series_label, row.twin_id):
            out.append({"id": row.id} | dict(zip(_WRITTEN, now, strict=True)))
    return out


def compare_stored(engine: Engine, processes: int | None = None, batch: int = _CHUNK // 2) -> int:
    """Compare every stored pair that has a figure not compared yet; returns the pairs compared.

    The figures of 250 pairs are read in one statement, and only the rows whose comparison
    changed are written, in one statement a batch (`db.update_rows`): at 20 000 pairs, a read
    and a flush of ORM objects for each pair took a minute on PostgreSQL. The batches are
    read and compared by `processes` (by default every core, from `_AHEAD_FROM` batches on)
    while this process writes (etl/ahead.py).
    """
    compared = 0
    with engine.begin() as c:
        pairs = _pairs(c)
        fresh = set(
            c.scalars(
                select(FigureRow.doc_id)
                .where(FigureRow.part == "reply", FigureRow.twin_agrees.is_(None))
                .distinct()
            )
        )
        todo = [(en, zh) for en, zh in pairs.items() if en in fresh or zh in fresh]
        # A batch's figures are read and compared ahead by worker processes (etl/ahead.py):
        # batches hold disjoint documents, and a comparison reads none of what another writes.
        batches = _batches(todo, batch)
        for _, (changed, n) in ahead.pieces(engine, c, batches, _compared, processes, least=_AHEAD_FROM):
            db.update_rows(c, FigureRow.__table__, "id", changed)  # type: ignore[arg-type]
            compared += n
        paired = set(pairs) | set(pairs.values())
        marked = set(c.scalars(select(FigureRow.doc_id).where(FigureRow.twin_agrees.is_not(None)).distinct()))
        alone = sorted(marked - paired)
        for k in range(0, len(alone), _CHUNK):
            ids = alone[k : k + _CHUNK]
            c.execute(
                update(FigureRow).where(FigureRow.doc_id.in_(ids)).values(twin_agrees=None, twin_id=None)
            )
    return compared


@dataclass(frozen=True)
class Side:
    """One version's figure (or None where that version states none)."""

    figure_id: str
    doc_id: str
    source: str
    text: str
    value: float
    qualifier: str
    unit: str
    as_of: str
    sentence: str
    indicator_id: str | None


@dataclass(frozen=True)
class Disagreement:
    """A figure whose two versions differ: both sides, the series, and what differs."""

    series: str | None
    series_label: str | None
    english: Side | None
    chinese: Side | None
    differs: tuple[str, ...]  # value, qualifier, as_of; or missing_en / missing_zh

    @property
    def figure_id(self) -> str:
        side = self.english or self.chinese
        assert side is not None
        return side.figure_id


def _side(row: Row | None, fig: Figure | None, source: str) -> Side | None:
    if row is None or fig is None:
        return None
    return Side(
        row.id,
        row.doc_id,
        source,
        row.text,
        row.value,
        row.qualifier,
        row.unit,
        row.as_of,
        fig.sentence,
        row.indicator_id if row.mapping == "mapped" else None,
    )


def _differs(a: Figure | None, b: Figure | None) -> tuple[str, ...]:
    if a is None:
        return ("missing_en",)
    if b is None:
        return ("missing_zh",)
    out = []
    if not math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9):
        out.append("value")
    if a.qualifier != b.qualifier:
        out.append("qualifier")
    if a.as_of != b.as_of:
        out.append("as_of")
    return tuple(out)


def disagreements(engine: Engine) -> list[Disagreement]:
    """Every figure whose two versions disagree, with both sides, lined up as the ETL lined them.

    The alignment is made again from the stored figures (it is not stored), over the
    pairs that hold a figure marked `twin_agrees` false.
    """
    out: list[Disagreement] = []
    with engine.connect() as c:
        pairs = _pairs(c)
        false = set(c.scalars(select(FigureRow.doc_id).where(FigureRow.twin_agrees.is_(False)).distinct()))
        sources = dict(c.execute(select(DocumentRow.id, DocumentRow.source)).all())
        todo = [(en, zh) for en, zh in pairs.items() if en in false or zh in false]
        todo.sort(key=lambda p: sources.get(p[0], ""))
        for batch in _batches(todo):
            figures = _read_figures(c, [d for pair in batch for d in pair], with_sentences=True)
            for en_id, zh_id in batch:
                english, chinese = figures[en_id], figures[zh_id]
                row_of = {id(f): r for r, f in english + chinese}
                for a, b in twins.compare([f for _, f in english], [f for _, f in chinese]):
                    if a is not None and b is not None and twins.agrees(a, b):
                        continue
                    ra = row_of[id(a)] if a is not None else None
                    rb = row_of[id(b)] if b is not None else None
                    named = ra or rb
                    assert named is not None
                    out.append(
                        Disagreement(
                            named.series,
                            named.series_label,
                            _side(ra, a, sources.get(en_id, en_id)),
                            _side(rb, b, sources.get(zh_id, zh_id)),
                            _differs(a, b),
                        )
                    )
    return out


def _message(d: Disagreement) -> str:
    def said(side: Side | None) -> str:
        return "nothing" if side is None else f"{side.text!r} ({side.qualifier}, {side.as_of})"

    return f"the English version says {said(d.english)}, the Chinese {said(d.chinese)}"


def _params(d: Disagreement) -> str:
    """Both sides as the message's parameters (JSON), for a page to write it in its own language."""

    def side(s: Side | None) -> dict | None:
        return None if s is None else {"text": s.text, "qualifier": s.qualifier, "as_of": s.as_of}

    return json.dumps({"en": side(d.english), "zh": side(d.chinese)}, ensure_ascii=False, sort_keys=True)


def _nullable_indicator(engine: Engine) -> None:
    """A database made before series warnings could lack an indicator has the column NOT NULL;
    the table is derived (rewritten every run), so it is made again with its rows kept."""
    cols = {c["name"]: c for c in inspect(engine).get_columns(SeriesWarning.__tablename__)}
    if cols.get("indicator_id", {}).get("nullable", True):
        return
    with Session(engine) as s:
        kept = [w.model_dump() for w in s.scalars(select(SeriesWarning))]
    SeriesWarning.__table__.drop(engine)  # type: ignore[attr-defined]
    SeriesWarning.__table__.create(engine)  # type: ignore[attr-defined]
    with Session(engine) as s, s.begin():
        s.add_all(SeriesWarning(**w) for w in kept)


def warn(engine: Engine) -> int:
    """Replace the `twin_disagrees` warnings: one per disagreeing figure, on its series."""
    _nullable_indicator(engine)
    found = disagreements(engine)
    with Session(engine) as s, s.begin():
        observed: dict[str, str] = {}  # observation id -> its indicator (an uncurated series' too)
        ids = [d.figure_id for d in found]
        for k in range(0, len(ids), _CHUNK):
            chunk = [normalise.reply_id(i) for i in ids[k : k + _CHUNK]]
            rows = s.execute(
                select(Observation.id, Observation.indicator_id).where(Observation.id.in_(chunk))
            )
            observed.update((r[0], r[1]) for r in rows.all())
        seen: set[str] = set()
        want: list[SeriesWarning] = []
        for d in found:
            if d.figure_id in seen:
                continue
            seen.add(d.figure_id)
            side = d.english or d.chinese
            assert side is not None
            obs = normalise.reply_id(d.figure_id)
            want.append(
                SeriesWarning(
                    id=f"{KIND}:{d.figure_id}",
                    indicator_id=side.indicator_id or observed.get(obs),
                    series=d.series,
                    kind=KIND,
                    observation_id=obs if obs in observed else d.figure_id,
                    message=_message(d),
                    params=_params(d),
                )
            )
        stored = s.scalars(select(SeriesWarning).where(SeriesWarning.kind == KIND)).all()
        if {w.id: w.model_dump() for w in stored} != {w.id: w.model_dump() for w in want}:
            s.execute(delete(SeriesWarning).where(SeriesWarning.kind == KIND))  # only when they differ
            s.add_all(want)
    return len(seen)
