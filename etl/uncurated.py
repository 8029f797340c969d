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

import hashlib
import re
from collections import Counter, namedtuple
from collections.abc import Iterable, Mapping

import pandas as pd
from sqlalchemy import delete, select, true, update
from sqlalchemy.engine import Connection, Engine

from etl import db, normalise, series
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


def _most(values: Iterable[object]) -> str | None:
    found = Counter(v for v in values if isinstance(v, str) and v).most_common(1)
    return found[0][0] if found else None


def kind_of(series_id: str, unit: str) -> str:
    """A series' indicator kind, for an uncurated one and a promotion alike: money is an amount,
    a per-period id a flow, anything else a stock."""
    return "amount" if unit in CURRENCIES else ("flow" if ".per_" in f".{series_id}" else "stock")


def _records(df: pd.DataFrame) -> list:
    """The frame's rows as named tuples (`itertuples`), read a column at a time: pandas' string
    columns hand out their values one call each, which cost more than the rest of the sync."""
    row = namedtuple("row", list(df.columns))  # type: ignore[misc]
    return list(map(row._make, zip(*(df[c].tolist() for c in df.columns), strict=True)))


def indicators(figs: pd.DataFrame) -> list[dict]:
    """One indicator row per series in `figs` (columns of `_waiting`), labelled from its figures."""
    scopes = series.vocab().scopes
    by: dict[str, list] = {}
    for f in _records(figs):
        by.setdefault(f.series, []).append(f)
    out = []
    for sid in sorted(by):
        g = by[sid]
        en = [f for f in g if not _zh(f.lang)]
        zh = [f for f in g if _zh(f.lang)]
        label_en = _most(f.series_label for f in en)
        label_zh = _most(f.series_label for f in zh)
        # The English figures' unit and scope first: the spec's spelling (`bank`, not `銀行`).
        unit = _most(f.unit for f in en) or _most(f.unit for f in g) or ""
        named = [scopes.get(f.subject, f.subject) for f in en if isinstance(f.subject, str)]
        named = named or [scopes.get(f.subject, f.subject) for f in g if isinstance(f.subject, str)]
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


def rows(figs: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """The observations and targets the figures in `figs` become, as column dicts: of their
    series' own indicator, or with `aliases` of the registry indicator their series is."""
    obs, goals = [], []
    blank_obs, blank_tgt = column_defaults(Observation), column_defaults(Target)
    for f in _records(figs):
        into = aliases[f.series] if aliases is not None else indicator_id(f.series)
        stated = normalise.Stated(normalise.reply_id(f.id), into, f.as_of, f.value, f.qualifier, f.unit)
        published = f.published if pd.notna(f.published) else None
        url = f.url if isinstance(f.url, str) else None  # a reply without an address: NULL, not "nan"
        source = normalise.Source(
            "reply", url, published, figure_id=f.id, doc_id=f.doc_id, sentence_id=f.sentence_id
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
    stmt = (
        select(f.series, f.indicator_id)
        .where(f.mapping == "mapped", f.series.is_not(None), f.indicator_id.is_not(None))
        .distinct()
    )
    found: dict[str, set[str]] = {}
    with engine.connect() as c:
        for sid, ind in c.execute(stmt).all():
            found.setdefault(sid, set()).add(ind)
    return {sid: next(iter(ids)) for sid, ids in found.items() if len(ids) == 1}


def _waiting(engine: Engine, *, curated: bool = False) -> pd.DataFrame:
    """Reply figures with a series that no registry indicator holds: unmapped or ambiguous, in a
    series none of whose figures maps (one that does is curated; its other figures wait for review).
    With `curated`, the waiting figures of the series that are curated instead."""
    f, d = FigureRow, DocumentRow
    held = select(f.series).where(f.mapping == "mapped", f.series.is_not(None))
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
            d.lang,
            d.url,
            d.published,
        )
        .join(d, d.id == f.doc_id)
        .where(
            f.series.is_not(None),
            f.part == "reply",
            f.mapping.in_(_WAITING),
            f.series.in_(held) if curated else f.series.not_in(held),
        )
        .where(
            # The other version of a figure already charted is the same point: its sentence shows
            # through the pairing (figures.twin_id), not as a second observation. Of two versions
            # both waiting, the English one is drawn.
            f.twin_id.is_(None)
            | (f.twin_id.not_in(select(f.id).where(f.mapping == "mapped")) & d.lang.not_like("zh%"))
            if curated
            else true()
        )
        .order_by(f.id)
    )
    with engine.connect() as c:
        return pd.DataFrame(c.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))


def _same(a: Mapping, b: Mapping, keys: Iterable[str]) -> bool:
    return all(a.get(k) == b.get(k) or _norm(a.get(k)) == _norm(b.get(k)) for k in keys)


def _norm(v: object) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    return str(v)[:10] if hasattr(v, "isoformat") else v


_CHUNK = 500  # ids bound in one DELETE: well under SQLite's and PostgreSQL's limits


def _delete(c: Connection, table: type, column: object, ids: list[str]) -> None:
    for k in range(0, len(ids), _CHUNK):
        c.execute(delete(table).where(column.in_(ids[k : k + _CHUNK])))  # type: ignore[attr-defined]


def sync(engine: Engine) -> dict[str, int]:
    """Make the uncurated indicators, observations and targets say what the figures say now.

    Returns how many series, observations and targets are uncurated after it.
    """
    figs = _waiting(engine)
    want_ind = {r["id"]: r for r in indicators(figs)}
    obs, goals = rows(figs)
    known = aliases(engine)
    joined = _waiting(engine, curated=True)
    joined = joined[joined["series"].isin(known)]
    aliased, _ = rows(joined, known)
    want_obs = {r["id"]: r for r in obs + aliased}
    want_tgt = {r["id"]: r for r in goals}
    o, tg, ind = Observation, Target, Indicator
    ours = select(ind.id).where(ind.series.is_not(None))  # a subquery: there may be thousands
    with engine.begin() as c:
        have_ind = {
            r["id"]: dict(r) for r in c.execute(select(ind).where(ind.series.is_not(None))).mappings()
        }
        have_obs = {
            r["id"]: dict(r)
            for r in c.execute(select(o).where(o.rule == RULE)).mappings()  # uncurated or aliased
        }
        have_tgt = {
            r["id"]: dict(r)
            for r in c.execute(
                select(tg).where(tg.indicator_id.in_(ours), tg.id.startswith("reply:"))
            ).mappings()
        }
        # A figure a reviewer corrected or accepted (etl/review.py) keeps its value and status.
        for key, row in want_obs.items():
            was = have_obs.get(key)
            if was is not None and was["status"] != "auto":
                row.update({k: was[k] for k in ("value", "qualifier", "lower", "upper", "status")})
        # Still in use elsewhere (a reviewer mapped a figure to an uncurated series): kept.
        used = set(
            c.scalars(select(o.indicator_id).where(o.indicator_id.in_(ours), o.rule != RULE).distinct())
        )
        for key in set(have_ind) & used - set(want_ind):
            want_ind[key] = have_ind[key]
        new_ind = [r for k, r in want_ind.items() if k not in have_ind]
        if new_ind:
            db.bulk_insert(c, ind.__table__, new_ind)  # type: ignore[attr-defined]
        for k, r in want_ind.items():
            if k in have_ind and not _same(r, have_ind[k], _IND_KEYS):
                c.execute(update(ind.__table__).where(ind.id == k).values(**r))  # type: ignore[attr-defined]
        for table, have, want, keys in (
            (o, have_obs, want_obs, _OBS_KEYS),
            (tg, have_tgt, want_tgt, _TARGET_KEYS),
        ):
            _delete(c, table, table.id, [k for k in have if k not in want])
            fresh = [r for k, r in want.items() if k not in have]
            # A row of the same id under a curated indicator (a reviewer's) is replaced.
            _delete(c, table, table.id, [r["id"] for r in fresh])
            if fresh:
                db.bulk_insert(c, table.__table__, fresh)  # type: ignore[attr-defined]
            for k, r in want.items():
                if k in have and not _same(r, have[k], keys):
                    values = {x: r[x] for x in keys}
                    c.execute(update(table.__table__).where(table.id == k).values(**values))  # type: ignore[attr-defined]
        gone = [k for k in have_ind if k not in want_ind]
        for table, column in (
            (SeriesWarning, SeriesWarning.indicator_id),
            (o, o.indicator_id),
            (tg, tg.indicator_id),
        ):
            _delete(c, table, column, gone)
        _delete(c, ind, ind.id, gone)
    return {
        "series": len(want_ind),
        "observations": len(want_obs) - len(aliased),
        "targets": len(want_tgt),
        "aliased": len(aliased),
    }


def kinds(engine: Engine) -> dict[str, str]:
    """Each uncurated indicator's kind, for the load-time checks (etl/reconcile.py)."""
    with engine.connect() as c:
        return dict(
            c.execute(select(Indicator.id, Indicator.kind).where(Indicator.series.is_not(None))).all()
        )
