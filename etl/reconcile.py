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


def _tier(row: pd.Series) -> int:
    if row["source_kind"] == "reply":
        return 0
    return TIERS.get(row.get("source_tier") or "", 0)  # an unstated tier is not demoted


def reconcile(obs: pd.DataFrame) -> pd.DataFrame:
    """`id`, `conflict`, `revision`, `preferred` for every observation in `obs`."""
    if obs.empty:
        return pd.DataFrame(columns=["id", "conflict", "revision", "preferred"])
    df = obs.copy()
    df["_pub"] = pd.to_datetime(df["published"]).fillna(pd.Timestamp(date.min))
    df["_prec"] = df["qualifier"].map(PRECISION).fillna(9)
    df["_kind"] = (df["source_kind"] != "reply").astype(int)
    df["_tier"] = df.apply(_tier, axis=1) if "source_tier" in df else 0
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
    disagree = pd.Series(False, index=df.index)
    for _, grp in df[differ].groupby(["indicator_id", "as_of"], sort=False):
        rows = list(zip(grp["value"], grp["qualifier"], strict=True))
        if any(not agree(*x, *y) for k, x in enumerate(rows) for y in rows[k + 1 :]):
            disagree[grp.index] = True
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


def warnings(obs: pd.DataFrame, kinds: dict[str, str]) -> list[dict]:
    """Checks on each indicator's preferred series; one dict per warning."""
    out: list[dict] = []
    pref = obs[obs["preferred"]].sort_values(["indicator_id", "period_end", "period_start", "id"])
    for ind, g in pref.groupby("indicator_id"):
        kind = kinds.get(ind, "stock")
        rows = list(g.itertuples())
        for prev, cur in zip(rows, rows[1:], strict=False):
            if kind == "stock" and cur.value < prev.value and cur.period_end > prev.period_end:
                out.append(
                    dict(
                        id=f"falling_stock:{cur.id}",
                        indicator_id=ind,
                        kind="falling_stock",
                        observation_id=cur.id,
                        message=f"falls from {_money(prev.value)} ({prev.as_of}) to {_money(cur.value)} "
                        f"({cur.as_of}); a stock should not fall unless its definition changed",
                        params=_params(
                            before=prev.value, before_as_of=prev.as_of, after=cur.value, after_as_of=cur.as_of
                        ),
                    )
                )
            if (
                kind == "flow"
                and cur.period_start <= prev.period_end
                and ((cur.period_start, cur.period_end) != (prev.period_start, prev.period_end))
            ):
                out.append(
                    dict(
                        id=f"overlapping_flow:{cur.id}",
                        indicator_id=ind,
                        kind="overlapping_flow",
                        observation_id=cur.id,
                        message=f"period {cur.as_of} overlaps {prev.as_of}: flows over overlapping "
                        "periods cannot be read as one series",
                        params=_params(period=cur.as_of, other=prev.as_of),
                    )
                )
        for k, cur in enumerate(rows):
            neighbours = [r.value for r in rows[max(0, k - 1) : k] + rows[k + 1 : k + 2] if r.value > 0]
            if len(rows) >= 3 and neighbours and cur.value > 0:
                ratio = max(cur.value / n for n in neighbours)
                low = min(cur.value / n for n in neighbours)
                if ratio > OUTLIER_FACTOR and low > OUTLIER_FACTOR or ratio < 1 / OUTLIER_FACTOR:
                    out.append(
                        dict(
                            id=f"outlier:{cur.id}",
                            indicator_id=ind,
                            kind="outlier",
                            observation_id=cur.id,
                            message=f"{_money(cur.value)} ({cur.as_of}) is more than {OUTLIER_FACTOR:g}x "
                            "off its neighbours",
                            params=_params(value=cur.value, as_of=cur.as_of, factor=OUTLIER_FACTOR),
                        )
                    )
    return out
