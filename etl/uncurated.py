"""Series nobody has curated yet: each one an indicator of its own, marked not yet reviewed.

Only figures a registry rule maps become observations of a curated indicator
(etl/normalise.py). Every other figure of a reply still has a series
(etl/series.py), and shared/spec/series.md says such a series exists: it can
be charted, found, filtered and downloaded. So after the series decisions are
applied (etl/series_review.py), `sync` makes each series whose reply figures
are all unmapped or ambiguous an `indicators` row (`series` set to its id; no
theme) and its figures that row's observations, or targets when dated after
their reply. A series some of whose figures a registry rule maps is curated:
its other figures wait for review as before, rather than drawing the same
line twice. Charts, filters, the data grid, downloads, conflicts and
warnings then treat it like any indicator.

The registry's mapping rules are aliases onto series, not the only way in: when
the figures a rule maps in a series all map to one indicator, the series' other
figures (a restatement in other words, the Chinese version the English rules
miss) become that indicator's observations too, with rule `series`, and leave
the review queue; the other language's version of a figure already charted stays
one point. Only observations: such a figure dated after its reply still
waits for review rather than becoming a target on its own.

It runs after the series decisions because those change series ids and labels
(merge, rename) and map figures to new indicators (promote); it runs before the
figure decisions (etl/review.py), so a figure a reviewer rejected or corrected
stays so. It writes only what differs from what is stored, so a run over an
unchanged corpus writes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import ExitStack

from sqlalchemy import Column, MetaData, String, Subquery, Table, cast, func, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.orm import aliased

from etl import ahead, db, normalise, series
from schemas.figure import CURRENCIES
from schemas.storage import (
    DocumentRow,
    FigureRow,
    Indicator,
    Observation,
    SeriesWarning,
    Target,
    column_defaults,
)

PREFIX = "series."  # registry ids are [a-z][a-z0-9_]* (no dot): an uncurated id never clashes with one
RULE = "series"  # the `rule` of an observation this module owns
_SAFE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
_MAX_ID = 120
_WAITING = ("unmapped", "ambiguous")
# The columns sync compares: the flags (conflict, revision, preferred) are reconcile's.
_OBS_KEYS = (
    "indicator_id",
    "as_of",
    "period_start",
    "period_end",
    "value",
    "qualifier",
    "lower",
    "upper",
    "unit",
    "source_kind",
    "source_url",
    "published",
    "sentence",
    "sentence_id",
    "status",
    "figure_id",
    "doc_id",
    "rule",
)
_TARGET_KEYS = tuple(c.key for c in Target.__table__.columns)  # type: ignore[attr-defined]
_IND_KEYS = tuple(c.key for c in Indicator.__table__.columns)  # type: ignore[attr-defined]


def indicator_id(series_id: str) -> str:
    """The indicator id of an uncurated series: readable, and safe in an address and a file name.

    A series id is ASCII for English facets but may hold Chinese (`跨境信貸資料平台.銀行`);
    such an id keeps its ASCII parts and a digest of the whole, so it stays one id a series.
    """
    if _SAFE.fullmatch(series_id) and len(series_id) <= _MAX_ID:
        return PREFIX + series_id
    digest = hashlib.sha256(series_id.encode("utf-8")).hexdigest()[:10]
    kept = ".".join(p for p in series_id.split(".") if _SAFE.fullmatch(p))[:80].strip(".")
    return f"{PREFIX}{kept}.{digest}" if kept else f"{PREFIX}{digest}"


def _zh(lang: object) -> bool:
    return isinstance(lang, str) and lang.startswith("zh")


def _most(values: Iterable[tuple[object, int]]) -> str | None:
    """The value stated most often (`(value, how many times)` pairs); of equals, the first given."""
    found = Counter[str]()
    for v, n in values:
        if isinstance(v, str) and v:
            found[v] += n
    top = found.most_common(1)
    return top[0][0] if top else None


def kind_of(series_id: str, unit: str) -> str:
    """A series' indicator kind, for an uncurated one and a promotion alike: money is an amount,
    a per-period id a flow, anything else a stock."""
    return "amount" if unit in CURRENCIES else ("flow" if ".per_" in f".{series_id}" else "stock")


def _times(f: Row) -> int:
    """How many figures a row stands for: a row of `_groups` counts them (`n`)."""
    return getattr(f, "n", 1)


def indicators(figs: Iterable[Row]) -> list[dict]:
    """One indicator row per series in `figs`, labelled from its figures: rows of `_waiting`
    (a figure each) or of `_groups` (each `n` figures alike), in the database's order of ids."""
    scopes = series.vocab().scopes
    by: dict[str, list] = {}
    for f in figs:
        by.setdefault(f.series, []).append(f)
    out = []
    for sid in sorted(by):
        g = by[sid]
        en = [f for f in g if not _zh(f.lang)]
        zh = [f for f in g if _zh(f.lang)]
        label_en = _most((f.series_label, _times(f)) for f in en)
        label_zh = _most((f.series_label, _times(f)) for f in zh)
        # The English figures' unit and scope first: the spec's spelling (`bank`, not `銀行`).
        unit = _most((f.unit, _times(f)) for f in en) or _most((f.unit, _times(f)) for f in g) or ""
        named = [(scopes.get(f.subject, f.subject), _times(f)) for f in en if isinstance(f.subject, str)]
        named = named or [
            (scopes.get(f.subject, f.subject), _times(f)) for f in g if isinstance(f.subject, str)
        ]
        scope = (_most(named) or sid.split(".")[0]).replace("_", " ")
        out.append(
            {
                "id": indicator_id(sid),
                "label_en": label_en or label_zh or sid,
                "label_zh": label_zh or label_en or sid,
                "unit": unit,
                "theme": None,
                "kind": kind_of(sid, unit),
                "headline": False,
                "definition": (
                    f"Not yet reviewed: the figures itdash placed in series {sid} by their scope "
                    f"({scope}), what they count and their unit (shared/spec/series.md). "
                    "No analyst has checked or defined this series."
                ),
                "series": sid,
                "scope": scope,
            }
        )
    return out


def rows(figs: Iterable[Row], aliases: Mapping[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """The observations and targets the figures in `figs` become, as column dicts: of their
    series' own indicator, or with `aliases` of the registry indicator their series is."""
    obs, goals = [], []
    blank_obs, blank_tgt = column_defaults(Observation), column_defaults(Target)
    for f in figs:
        into = aliases[f.series] if aliases is not None else indicator_id(f.series)
        stated = normalise.Stated(normalise.reply_id(f.id), into, f.as_of, f.value, f.qualifier, f.unit)
        published = f.published
        source = normalise.Source(
            "reply", f.url, published, figure_id=f.id, doc_id=f.doc_id, sentence_id=f.sentence_id
        )
        if normalise.is_target(f.as_of_start, published):
            if aliases is not None:
                continue  # a target joins the registry by review, not by its series alone
            goals.append({**blank_tgt, **normalise.target_values(stated, source, note=None)})
        else:
            values = normalise.observation_values(stated, source, sentence=None, rule=RULE)
            obs.append({**blank_obs, **values})
    return obs, goals


def aliases(engine: Engine) -> dict[str, str]:
    """Each series whose mapped figures all map to one registry indicator -> that indicator."""
    f = FigureRow
    # Not DISTINCT: for it SQLite walks every figure in the order of the series index, a random
    # read a row (100 000 replies: 5.2 s), where without it reads the table in order (0.4 s).
    stmt = select(f.series, f.indicator_id).where(
        f.mapping == "mapped", f.series.is_not(None), f.indicator_id.is_not(None)
    )
    found: dict[str, set[str]] = {}
    with engine.connect() as c:
        for sid, ind in c.execute(stmt).all():
            found.setdefault(sid, set()).add(ind)
    return {sid: next(iter(ids)) for sid, ids in found.items() if len(ids) == 1}


# Figures read at a time: the sync holds one piece of series (their figures, wanted and stored
# rows) at once, so its memory stays flat however large the corpus (100 000 replies: 7 GB whole).
PIECE = 50_000


def _pieces(c: Connection, size: int) -> list[tuple[str | None, str | None]]:
    """Ranges of series ids (`db.key_ranges`), each of about `size` waiting figures."""
    f = FigureRow
    counts = (
        select(f.series, func.count())
        .where(f.series.is_not(None), f.part == "reply", f.mapping.in_(_WAITING))
        .group_by(f.series)
        .order_by(f.series)
    )
    return db.key_ranges(c, counts, size)


def _held(lo: str | None = None, hi: str | None = None) -> Subquery:
    """The series in the range `lo`..`hi` some of whose figures a registry rule maps (`held`).

    Over every series, SQLite reads the figures in the order they are stored, told so by a
    `series || ''` it cannot look up: by the series index, its plan for DISTINCT, it read them
    a random read a row (100 000 replies: 6.5 s, where the scan takes 0.7 s). The CAST keeps
    the column text, which SQLite needs to index the result for the join. A piece's range is
    looked up in the index as before."""
    f = FigureRow
    key = cast(f.series + "", String) if lo is None and hi is None else f.series
    return (
        select(key.label("series"))
        .where(f.mapping == "mapped", key.is_not(None), db.within(f.series, lo, hi))
        .distinct()
        .subquery("held")
    )


def _waiting(
    c: Connection, lo: str | None = None, hi: str | None = None, curated_only: bool = False
) -> tuple[list[Row], list[Row]]:
    """Reply figures with a series in the range `lo`..`hi` (`_pieces`) that no registry rule maps
    (unmapped or ambiguous), in two lists: those in a series none of whose figures maps, which
    become its own indicator's; and those in a series some of whose figures map (curated: they
    wait for review, unless the series is an alias), less the versions of a point already drawn.

    One statement for both, so each piece's figures, and the series of it that are held, are
    read once. Anti-joins, not `NOT IN (subquery)`: PostgreSQL plans a `NOT IN` whose subquery
    outgrows `work_mem` as a scan of the subquery per row (10 000 replies reprocessed: 770 s),
    and `NOT EXISTS` made the same query 75 times slower on SQLite. With `curated_only`, the
    first list is left empty and its figures unread."""
    f, d = FigureRow, DocumentRow
    inside = db.within(f.series, lo, hi)
    held = _held(lo, hi)
    # The other version of a figure already charted is the same point: its sentence shows
    # through the pairing (figures.twin_id), not as a second observation.
    twin = aliased(FigureRow, name="twin")
    stmt = (
        select(
            f.id,
            f.doc_id,
            f.series,
            f.series_label,
            f.subject,
            f.unit,
            f.as_of,
            f.as_of_start,
            f.value,
            f.qualifier,
            f.sentence_id,  # the text is stored once, in `sentences`
            f.twin_id,
            d.lang,
            d.url,
            d.published,
            held.c.series.label("held"),
            twin.id.label("twin_mapped"),
        )
        .join(d, d.id == f.doc_id)
        .join(held, held.c.series == f.series, isouter=not curated_only)
        .outerjoin(twin, (twin.id == f.twin_id) & (twin.mapping == "mapped"))
        .where(f.series.is_not(None), f.part == "reply", f.mapping.in_(_WAITING), inside)
        # By series first: SQLite then walks the piece's range of the series index, where `id`
        # alone had it scan every figure in id order for each piece. Within a series, in id order.
        .order_by(f.series, f.id)
    )
    own: list[Row] = []
    curated: list[Row] = []
    for r in c.execute(stmt):
        if r.held is None:
            own.append(r)
        # Of two versions both waiting, the English one is drawn.
        elif r.twin_id is None or (r.twin_mapped is None and not _zh(r.lang) and r.lang is not None):
            curated.append(r)
    return own, curated


def _groups(c: Connection) -> list[Row]:
    """What `indicators` reads of the figures `_waiting` gives a series of its own, counted: one
    row per series, language, label, unit and subject, with how many figures (`n`) and the
    first of their ids, in the order of those ids.

    In the database's order, as `_waiting` reads figures: of two labels stated as often, the
    one stated first wins, and PostgreSQL's collation may order ids unlike Python. A first
    load labels every series: one statement over the figures in the order they are stored
    (SQLite kept from walking the series index, a random read a row), where reading each
    figure took three times as long at 10 000 replies."""
    f, d = FigureRow, DocumentRow
    held = _held()
    first = func.min(f.id).label("first")
    stmt = (
        select(f.series, d.lang, f.series_label, f.unit, f.subject, func.count().label("n"), first)
        .select_from(f)
        .join(d, d.id == f.doc_id)
        .outerjoin(held, held.c.series == f.series)
        # `series || ''`: the same test, which SQLite cannot answer from the series index.
        .where(
            (f.series + "").is_not(None), f.part == "reply", f.mapping.in_(_WAITING), held.c.series.is_(None)
        )
        .group_by(d.lang, f.series_label, f.series, f.unit, f.subject)  # not led by the index's column
        .order_by(first)
    )
    return list(c.execute(stmt))


# What a piece of series should be: its indicators, observations and targets, and the
# observations its figures add to registry indicators their series is an alias of.
Wanted = tuple[list[dict], list[dict], list[dict], list[dict]]


def _wanted(c: Connection, bounds: tuple[str | None, str | None], known: Mapping[str, str]) -> Wanted:
    """A piece's wanted rows."""
    figs, joined = _waiting(c, *bounds)
    obs, goals = rows(figs)
    aliased_obs, _ = rows([f for f in joined if f.series in known], known)
    return indicators(figs), obs, goals, aliased_obs


def _wanted_afresh(c: Connection, bounds: tuple[str | None, str | None], known: Mapping[str, str]) -> Wanted:
    """Every series' wanted rows when none is stored, but their own observations and targets,
    which `_fill` makes in the database: the indicators from counts (`_groups`), the aliased
    observations from the figures of the series some figure maps (a few hundredths of all)."""
    _, joined = _waiting(c, *bounds, curated_only=True)
    aliased_obs, _ = rows([f for f in joined if f.series in known], known)
    return indicators(_groups(c)), [], [], aliased_obs


# Each series' indicator id (`indicator_id`), for `_fill` to join figures to.
_IDS = Table(
    "uncurated_ids",
    MetaData(),
    Column("series", String, primary_key=True),
    Column("indicator_id", String, nullable=False),
    prefixes=["TEMPORARY"],
)


def _fill(c: Connection) -> tuple[int, int]:
    """Insert the observations and targets of every series in `_IDS` (the wanted indicators)
    straight from their stored figures (`normalise.from_figures`): what `rows` makes of the
    figures `_waiting` gives them, which are every waiting reply figure of such a series.

    Only where none of this module's rows is stored (a first load, a reprocess): a row of the
    same id is then never this module's, and is replaced (an upsert), as `_write` replaces a
    `taken` one. One statement a table, after the last piece: the database reads the figures
    in the order they are stored, where a statement a piece walked each piece's figures by
    the series index, a random read a row (four times slower on SQLite). Returns how many
    observations and targets it wrote."""
    f, d, t = FigureRow, DocumentRow, _IDS.c
    target = normalise.is_target_sql(f.as_of_start, d.published)
    made = []
    for table, goal in ((Observation, False), (Target, True)):
        rows_ = (
            normalise.from_figures(table, f, d, t.indicator_id, rule=None if goal else RULE)
            .select_from(f)
            .join(_IDS, t.series == f.series)
            .join(d, d.id == f.doc_id)
            .where(f.part == "reply", f.mapping.in_(_WAITING), target if goal else ~target)
        )
        made.append(db.upsert_from(c, table.__table__, rows_, ["id"]))  # type: ignore[attr-defined]
    return made[0], made[1]


def _same(a: Mapping, b: Mapping, keys: Iterable[str]) -> bool:
    for k in keys:  # a loop, not all(genexpr): it runs for every stored row
        x, y = a.get(k), b.get(k)
        if x != y and _norm(x) != _norm(y):
            return False
    return True


def _norm(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v)[:10] if hasattr(v, "isoformat") else v


def _write(c: Connection, table: type, have: dict, want: dict, keys: Iterable[str], taken: set[str]) -> None:
    """Make the stored rows `have` (by id) the rows `want`: delete, insert and update what differs.

    `taken` holds the ids of the table's rows that are not this module's: a fresh row of such an
    id (a reviewer's, under a curated indicator) replaces it. Only those are deleted first: a
    delete of every fresh id was one index probe a row for nothing (16 s of the sync at 100 000
    replies), since this module's own rows of a piece are all in `have`."""
    db.delete_in(c, table, table.id, [k for k in have if k not in want])  # type: ignore[attr-defined]
    fresh = [r for k, r in want.items() if k not in have]
    db.delete_in(c, table, table.id, [r["id"] for r in fresh if r["id"] in taken])  # type: ignore[attr-defined]
    if fresh:
        db.bulk_insert(c, table.__table__, fresh)  # type: ignore[attr-defined]
    changed = [
        {"id": k, **{x: r[x] for x in keys}}
        for k, r in want.items()
        if k in have and not _same(r, have[k], keys)
    ]
    db.update_rows(c, table.__table__, "id", changed)  # type: ignore[attr-defined]


def _stored(c: Connection, table: type, where: object, lo: str | None, hi: str | None) -> dict:
    """This module's stored rows of `table` whose figure is in a series of the range, by id."""
    f = FigureRow
    stmt = (
        select(table)
        .join(f, f.id == table.figure_id)  # type: ignore[attr-defined]
        .where(where, f.series.is_not(None), db.within(f.series, lo, hi))
    )
    return {r.id: r._asdict() for r in c.execute(stmt)}


def _orphans(c: Connection, table: type, where: object) -> list[str]:
    """This module's stored rows of `table` whose figure is gone or has no series: in no piece."""
    f = FigureRow
    stmt = (
        select(table.id)  # type: ignore[attr-defined]
        .outerjoin(f, (f.id == table.figure_id) & f.series.is_not(None))  # type: ignore[attr-defined]
        .where(where, f.id.is_(None))
    )
    return list(c.scalars(stmt))


def sync(engine: Engine, piece: int | None = None, processes: int | None = None) -> dict[str, int]:
    """Make the uncurated indicators, observations and targets say what the figures say now.

    One transaction, in pieces of series (`PIECE` figures, or `piece`): a stored row belongs to
    the piece of its figure's series, so each is compared once, with what its figure says now.
    The pieces are read and computed by `processes` (by default every core, when there is more
    than one piece of the default size) while this process writes (`etl/ahead.py`). With
    nothing of its own stored, it is one piece: the database counts what labels each series
    (`_groups`) and makes the observations and targets (`_fill`), so no figure is read whole.
    Returns how many series, observations and targets are uncurated after it.
    """
    o, tg, ind = Observation, Target, Indicator
    ours = select(ind.id).where(ind.series.is_not(None))  # a subquery: there may be thousands
    mine_obs = o.rule == RULE  # uncurated or aliased
    mine_tgt = tg.indicator_id.in_(ours) & tg.id.startswith("reply:")
    known = aliases(engine)
    counts = Counter[str]()
    wanted: set[str] = set()
    with engine.begin() as c, ExitStack() as fill:
        have_ind = {
            r["id"]: dict(r) for r in c.execute(select(ind).where(ind.series.is_not(None))).mappings()
        }
        # Still in use elsewhere (a reviewer mapped a figure to an uncurated series): kept.
        used = set(
            c.scalars(select(o.indicator_id).where(o.indicator_id.in_(ours), o.rule != RULE).distinct())
        )
        # After a first load, or once every document was rewritten (a vocabulary change: their
        # figures went, and with them these rows), nothing of this module's is stored: the
        # lookups of stored rows per piece and the final sweep (a fifth of the sync at 100 000
        # replies) are skipped.
        stored_obs = c.execute(select(o.id).where(mine_obs).limit(1)).first() is not None
        stored_tgt = bool(have_ind) and c.execute(select(tg.id).where(mine_tgt).limit(1)).first() is not None
        # The ids of rows not this module's, which a fresh row of the same id replaces (`_write`).
        taken_obs = set(c.scalars(select(o.id).where(o.rule.is_distinct_from(RULE))))
        taken_tgt = set(c.scalars(select(tg.id).where(~mine_tgt)))
        fresh = not (stored_obs or stored_tgt)
        if fresh:
            # Every series' rows are written afresh (two million at 100 000 replies), by the
            # database from the figures (`_fill`); their indexes are built once after the last
            # piece (`db.indexes_later`, SQLite only).
            fill.enter_context(db.indexes_later(c, [o.__table__, tg.__table__]))  # type: ignore[attr-defined]
            _IDS.create(c, checkfirst=True)
        # From scratch, one piece of every series: what is read of each figure is counted.
        pieces = [(None, None)] if fresh else _pieces(c, piece or PIECE)
        if processes is None:
            processes = (os.cpu_count() or 1) if piece is None and len(pieces) > 1 else 1
        wanted_of = functools.partial(_wanted_afresh if fresh else _wanted, known=known)
        for (lo, hi), wanted_now in ahead.pieces(engine, c, pieces, wanted_of, processes):
            inds, obs, goals, aliased_obs = wanted_now
            want_ind = {r["id"]: r for r in inds}
            want_obs = {r["id"]: r for r in obs + aliased_obs}
            want_tgt = {r["id"]: r for r in goals}
            del obs, goals
            have_obs = _stored(c, o, mine_obs, lo, hi) if stored_obs else {}
            # Ours by the indicators stored before the sync: a condition on `indicator_id` would
            # lead SQLite to walk the targets by indicator, not the piece's figures by series.
            have_tgt = {
                k: r
                for k, r in (_stored(c, tg, tg.id.startswith("reply:"), lo, hi) if stored_tgt else {}).items()
                if r["indicator_id"] in have_ind
            }
            # A figure a reviewer corrected or accepted (etl/review.py) keeps its value and status.
            for key, row in want_obs.items():
                was = have_obs.get(key)
                if was is not None and was["status"] != "auto":
                    row.update({k: was[k] for k in ("value", "qualifier", "lower", "upper", "status")})
            new_ind = [r for k, r in want_ind.items() if k not in have_ind]
            if new_ind:
                db.bulk_insert(c, ind.__table__, new_ind)  # type: ignore[attr-defined]
            for k, r in want_ind.items():
                if k in have_ind and not _same(r, have_ind[k], _IND_KEYS):
                    c.execute(update(ind.__table__).where(ind.id == k).values(**r))  # type: ignore[attr-defined]
            _write(c, o, have_obs, want_obs, _OBS_KEYS, taken_obs)
            _write(c, tg, have_tgt, want_tgt, _TARGET_KEYS, taken_tgt)
            if fresh:
                db.bulk_insert(
                    c, _IDS, [{"series": r["series"], "indicator_id": k} for k, r in want_ind.items()]
                )
            wanted.update(want_ind)
            counts.update(
                series=len(want_ind),
                observations=len(want_obs) - len(aliased_obs),
                targets=len(want_tgt),
                aliased=len(aliased_obs),
            )
        if fresh:
            made_obs, made_tgt = _fill(c)
            counts.update(observations=made_obs, targets=made_tgt)
            _IDS.drop(c)
        fill.close()  # the indexes are back before the deletes below look rows up by them
        if stored_obs:
            db.delete_in(c, o, o.id, _orphans(c, o, mine_obs))
        if stored_tgt:
            db.delete_in(c, tg, tg.id, _orphans(c, tg, mine_tgt))
        kept = set(have_ind) & used - wanted
        gone = [k for k in have_ind if k not in wanted and k not in kept]
        for table, column in (
            (SeriesWarning, SeriesWarning.indicator_id),
            (o, o.indicator_id),
            (tg, tg.indicator_id),
        ):
            db.delete_in(c, table, column, gone)
        db.delete_in(c, ind, ind.id, gone)
    return {
        "series": counts["series"] + len(kept),
        "observations": counts["observations"],
        "targets": counts["targets"],
        "aliased": counts["aliased"],
    }


def kinds(engine: Engine) -> dict[str, str]:
    """Each uncurated indicator's kind, for the load-time checks (etl/reconcile.py)."""
    with engine.connect() as c:
        return dict(
            c.execute(select(Indicator.id, Indicator.kind).where(Indicator.series.is_not(None))).all()
        )
