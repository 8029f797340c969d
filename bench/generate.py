"""A synthetic corpus of replies for benchmarks: our own template, random figures.

Written into a git-ignored folder; the same seed gives the same corpus.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

SUBJECTS = [
    "Open Data Portal",
    "Cyberport",
    "Hong Kong Science Park",
    "Innovation and Technology Fund",
    "Common Spatial Data Infrastructure",
    "Digital Policy Office",
]
UNITS = ["datasets", "enterprises", "start-ups", "projects", "measures", "licences", "forms", "applications"]
HEDGES = ["", "about ", "over ", "nearly ", "some ", "more than ", "up to ", "at least ", "a total of "]
ANCHORS = [
    "As of December 2024, ",
    "By mid-2024, ",
    "In 2023-24, ",
    "Currently, ",
    "As at the end of 2023, ",
    "",
]


def _number(rng: random.Random) -> str:
    n = rng.randint(2, 99_999)
    return f"{n:,}".replace(",", rng.choice([" ", ",", "\u00a0"]))


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        amount = rng.randint(1, 900)
        return f"{rng.choice(ANCHORS)}HK${amount} million was earmarked for the {rng.choice(SUBJECTS)}."
    if kind < 0.25:
        return f"Among them, {rng.choice(HEDGES)}{rng.randint(2, 60)} per cent are related to AI."
    if kind < 0.35:
        year, span = rng.randint(2015, 2024), rng.randint(2, 12)
        return f"The programme launched in {year} will run for up to {span} years."
    return (
        f"{rng.choice(ANCHORS)}the {rng.choice(SUBJECTS)} had {rng.choice(HEDGES)}{_number(rng)} "
        f"{rng.choice(UNITS)}, and {rng.choice(HEDGES)}{_number(rng)} {rng.choice(UNITS)} were admitted."
    )


def reply(rng: random.Random, n: int, day: date) -> str:
    items = []
    for k in range(1, rng.randint(3, 5)):
        items.append(f"({k}) " + " ".join(_sentence(rng) for _ in range(rng.randint(3, 6))))
    return (
        f"LCQ{n % 22 + 1}: Synthetic reply number {n}\n\n"
        f"Following is a question by the Hon Member {n} and a written reply by the Secretary for "
        f"Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today "
        f"({day:%B} {day.day}):\n\nQuestion:\n\n(1) how many datasets were released in 2024?\n\n"
        "Reply:\n\nPresident,\n\n" + "\n\n".join(items) + "\n"
    )


def generate(folder: Path, count: int, seed: int = 7) -> Path:
    """Write `count` replies and a manifest into `folder`; returns it."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = date(2020, 1, 1)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "url", "published", "lang"])
        for n in range(count):
            day = start + timedelta(days=n % 1800)
            name = f"{day}-LCQ{n}-synthetic.txt"
            (folder / name).write_text(reply(rng, n, day), encoding="utf-8")
            w.writerow([name, "", day.isoformat(), "en"])
    return folder
