"""Series across sources: conflicts, revisions, the preferred value, and warnings.

Rules (docs/series.md):
- Observations of one indicator at one as_of that disagree (value or
  qualifier) are all kept. If they all come from replies published on
  different days, the latest is a `revision` and the others are `revised`;
  otherwise they are flagged `conflict`.
- Two values agree when they differ by no more than RELATIVE_TOLERANCE of the
  larger (HK$21.28 billion and HK$21,280.4 million are one value rounded) and
  their qualifiers are the same, or both exact or about.
- The preferred observation of a group is from the most official source
  (a reply or an official site, then a mirror, then news and other secondary
  reports; a row that states no tier counts as official), then the most
  recently published (an unknown date counts as oldest), then the most precise
  qualifier (exact, then about, then nearly, then bounds), then a reply over a
  curated row, then
  the smallest id, so the choice never depends on load order.
- Checks on each series of preferred observations, stored, not thrown: a
  stock that falls, flow periods that overlap, a value far off its neighbours.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

PRECISION = {"exact": 0, "about": 1, "nearly": 2, "over": 3, "at_least": 3, "under": 3, "up_to": 3}
OUTLIER_FACTOR = 10.0
TIERS = {"official": 0, "mirror": 1, "secondary": 2}
RELATIVE_TOLERANCE = 0.005
_ROUNDED = frozenset({"exact", "about"})


def agree(a: float, qa: str, b: float, qb: str) -> bool:
    """Whether two statements of one value say the same, allowing for rounding."""
    if qa != qb and not {qa, qb} <= _ROUNDED:
        return False
    return abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def _tiers(df: pd.DataFrame) -> pd.Series:
    """Each row's tier rank: a reply is official; an unstated tier is not demoted."""
    if "source_tier" not in df:
        return pd.Series(0, index=df.index)
    tier = df["source_tier"].map(TIERS).fillna(0).astype(int)
    return tier.where(df["source_kind"] != "reply", 0)


def reconcile(obs: pd.DataFrame) -> pd.DataFrame:
    """`id`, `conflict`, `revision`, `preferred` for every observation in `obs`."""
    if obs.empty:
        return pd.DataFrame(columns=["id", "conflict", "revision", "preferred"])
    df = obs.copy()
    df["_pub"] = pd.to_datetime(df["published"]).fillna(pd.Timestamp(date.min))
    df["_prec"] = df["qualifier"].map(PRECISION).fillna(9)
    df["_kind"] = (df["source_kind"] != "reply").astype(int)
    df["_tier"] = _tiers(df)
    df = df.sort_values(
        ["indicator_id", "as_of", "_tier", "_pub", "_prec", "_kind", "id"],
        ascending=[True, True, True, False, True, True, True],
    )
    # One pass over the sorted frame (a loop over every group cost seconds at tens of thousands
    # of series); only groups whose values differ are compared pairwise, since two sources'
    # roundings of one value (21.28 bn and 21,280.4 m) agree (`agree`).
    g = df.groupby(["indicator_id", "as_of"], sort=False)
    df["_pair"] = df.groupby(["value", "qualifier"], sort=False, dropna=False).ngroup()
    differ = g["_pair"].transform("nunique") > 1
    # The frame is sorted by indicator and as_of, so each group is a run of rows: walked as
    # slices of arrays (setting a Series by labels, a group at a time, cost seconds).
    where = np.flatnonzero(differ.to_numpy())
    codes = g.ngroup().to_numpy()[where]
    values, qualifiers = df["value"].to_numpy()[where], df["qualifier"].to_numpy()[where]
    cuts = [0, *(np.flatnonzero(np.diff(codes)) + 1), len(where)]
    mask = np.zeros(len(df), dtype=bool)
    for a, b in zip(cuts, cuts[1:], strict=False):
        rows = list(zip(values[a:b].tolist(), qualifiers[a:b].tolist(), strict=True))
        if any(not agree(*x, *y) for k, x in enumerate(rows) for y in rows[k + 1 :]):
            mask[where[a:b]] = True
    disagree = pd.Series(mask, index=df.index)
    all_replies = g["_kind"].transform("max").eq(0)
    on_days = all_replies & g["published"].transform("nunique").eq(g["id"].transform("size"))
    first = g.cumcount().eq(0)
    revision = np.full(len(df), None, dtype=object)
    revision[(disagree & on_days).to_numpy()] = "revised"
    revision[(disagree & on_days & first).to_numpy()] = "revision"
    return pd.DataFrame(
        {
            "id": df["id"].to_numpy(),
            "conflict": (disagree & ~on_days).to_numpy(dtype=bool),
            "revision": revision,
            "preferred": first.to_numpy(dtype=bool),
        }
    )


def _money(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def _params(**values: object) -> str:
    """A warning's parameters as stored (JSON): pages write the message from them in their language."""
    plain = {k: float(v) if isinstance(v, np.floating | np.integer) else v for k, v in values.items()}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def _warning(kind: str, indicator_id: str, observation_id: str, message: str, params: str) -> dict:
    return dict(
        id=f"{kind}:{observation_id}",
        indicator_id=indicator_id,
        kind=kind,
        observation_id=observation_id,
        message=message,
        params=params,
    )


def warnings(obs: pd.DataFrame, kinds: dict[str, str]) -> list[dict]:
    """Checks on each indicator's preferred series; one dict per warning.

    Each check compares a point with the one before it (and, for outliers, the one after) in
    its indicator's series: computed over the whole sorted frame at once, shifted by a row,
    then written out for the points that fail, in the order of a walk through each series
    (its pairs first, then its outliers).
    """
    pref = obs[obs["preferred"]].sort_values(["indicator_id", "period_end", "period_start", "id"])
    pref = pref.reset_index(drop=True)
    if pref.empty:
        return []
    ind = pref["indicator_id"]
    same_prev = ind.eq(ind.shift(1)).to_numpy()
    same_next = ind.eq(ind.shift(-1)).to_numpy()
    kind = ind.map({i: kinds.get(i, "stock") for i in ind.unique()}).to_numpy()
    v = pref["value"].to_numpy(dtype=float)
    start = pd.to_datetime(pref["period_start"]).to_numpy()
    end = pd.to_datetime(pref["period_end"]).to_numpy()
    pv, nv = np.roll(v, 1), np.roll(v, -1)
    ps, pe = np.roll(start, 1), np.roll(end, 1)
    falling = same_prev & (kind == "stock") & (v < pv) & (end > pe)
    overlap = same_prev & (kind == "flow") & (start <= pe) & ~((start == ps) & (end == pe))
    size = ind.map(ind.value_counts()).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        has_p, has_n = same_prev & (pv > 0), same_next & (nv > 0)
        rp, rn = np.where(has_p, v / pv, np.nan), np.where(has_n, v / nv, np.nan)
        both = np.vstack([rp, rn])
        any_n = has_p | has_n
        ratio = np.where(any_n, np.nanmax(np.where(any_n, both, 0.0), axis=0), np.nan)
        low = np.where(any_n, np.nanmin(np.where(any_n, both, 0.0), axis=0), np.nan)
    outlier = (
        (size >= 3)
        & any_n
        & (v > 0)
        & (((ratio > OUTLIER_FACTOR) & (low > OUTLIER_FACTOR)) | (ratio < 1 / OUTLIER_FACTOR))
    )
    ids, as_of = pref["id"].to_numpy(), pref["as_of"].to_numpy()
    found: list[tuple[int, int, int, dict]] = []  # (first row of the series, pass, row, warning)
    first = pd.Series(np.arange(len(pref))).groupby(ind.to_numpy()).transform("min").to_numpy()
    for k in np.flatnonzero(falling | overlap).tolist():
        j = k - 1
        if falling[k]:
            w = _warning(
                "falling_stock",
                ind[k],
                ids[k],
                f"falls from {_money(v[j])} ({as_of[j]}) to {_money(v[k])} "
                f"({as_of[k]}); a stock should not fall unless its definition changed",
                _params(before=v[j], before_as_of=as_of[j], after=v[k], after_as_of=as_of[k]),
            )
        else:
            w = _warning(
                "overlapping_flow",
                ind[k],
                ids[k],
                f"period {as_of[k]} overlaps {as_of[j]}: flows over overlapping "
                "periods cannot be read as one series",
                _params(period=as_of[k], other=as_of[j]),
            )
        found.append((first[k], 0, k, w))
    for k in np.flatnonzero(outlier).tolist():
        w = _warning(
            "outlier",
            ind[k],
            ids[k],
            f"{_money(v[k])} ({as_of[k]}) is more than {OUTLIER_FACTOR:g}x off its neighbours",
            _params(value=v[k], as_of=as_of[k], factor=OUTLIER_FACTOR),
        )
        found.append((first[k], 1, k, w))
    found.sort(key=lambda t: t[:3])
    return [w for *_, w in found]
