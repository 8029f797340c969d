"""A synthetic corpus of replies for benchmarks: our own template, random figures.

Written into a git-ignored folder; the same seed gives the same corpus.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
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
        f"LCQ{lcq_number(n)}: Synthetic reply number {n}\n\n"
        f"Following is a question by the Hon Member {n} and a written reply by the Secretary for "
        f"Innovation, Technology and Industry, Professor Sun Dong, in the Legislative Council today "
        f"({day:%B} {day.day}):\n\nQuestion:\n\n(1) how many datasets were released in 2024?\n\n"
        "Reply:\n\nPresident,\n\n" + "\n\n".join(items) + "\n"
    )


DAYS = 1800  # reply n is of the day n % DAYS after 2020-01-01


def lcq_number(n: int) -> int:
    """Reply n's question number: one number a day for each pass over the days, so no two replies
    of one language share a day and a number. The English and Chinese versions of a reply are
    paired by them (etl/twins.py): with numbers that repeated (n % 22), a corpus of more than
    19 800 replies held four of each, no version was paired, and a bench of 100 000 replies
    skipped the comparison of the two versions that a real archive needs."""
    return n // DAYS + 1


def _write(folder: Path, count: int, seed: int, write: Callable, suffix: str, lang: str) -> Path:
    """Write `count` replies made by `write(rng, n, day)` and their manifest into `folder`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = date(2020, 1, 1)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "url", "published", "lang"])
        for n in range(count):
            day = start + timedelta(days=n % DAYS)
            name = f"{day}-LCQ{n}-synthetic{suffix}.txt"
            (folder / name).write_text(write(rng, n, day), encoding="utf-8")
            w.writerow([name, "", day.isoformat(), lang])
    return folder


def generate(folder: Path, count: int, seed: int = 7) -> Path:
    """Write `count` replies and a manifest into `folder`; returns it."""
    return _write(folder, count, seed, reply, "", "en")


ZH_SUBJECTS = ["資料一線通", "數碼港", "香港科學園", "創新及科技基金", "數字政策辦公室", "科技券計劃"]
ZH_UNITS = [
    ("個", "數據集"),
    ("家", "企業"),
    ("家", "初創企業"),
    ("個", "項目"),
    ("項", "措施"),
    ("宗", "申請"),
]
ZH_HEDGES = ["", "約", "超過", "逾", "接近", "至少", "不少於", "合共", "最多"]
ZH_ANCHORS = [
    "截至2024年12月，",
    "2024年年中，",
    "在2023-24年度，",
    "現時，",
    "截至2023年底，",
    "在二○二四／二五學年，",
    "",
]


def _zh_number(rng: random.Random) -> str:
    import cn2an

    n = rng.randint(2, 99_999)
    if rng.random() < 0.4:
        return cn2an.an2cn(n).replace("万", "萬").replace("亿", "億")
    return f"{n:,}".replace(",", rng.choice([" ", ","]))


def _zh_sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        return f"{rng.choice(ZH_ANCHORS)}政府為{rng.choice(ZH_SUBJECTS)}預留{rng.randint(1, 900)}億元。"
    if kind < 0.25:
        return f"其中{rng.choice(ZH_HEDGES)}百分之{rng.randint(2, 60)}與人工智能有關。"
    measure, noun = rng.choice(ZH_UNITS)
    m2, n2 = rng.choice(ZH_UNITS)
    return (
        f"{rng.choice(ZH_ANCHORS)}{rng.choice(ZH_SUBJECTS)}共有{rng.choice(ZH_HEDGES)}{_zh_number(rng)}{measure}{noun}，"
        f"並已批出{rng.choice(ZH_HEDGES)}{_zh_number(rng)}{m2}{n2}。"
    )


def zh_reply(rng: random.Random, n: int, day: date) -> str:
    import cn2an

    items = []
    for k in range(1, rng.randint(3, 5)):
        number = cn2an.an2cn(k)
        items.append(f"（{number}）" + "".join(_zh_sentence(rng) for _ in range(rng.randint(3, 6))))
    lcq = cn2an.an2cn(lcq_number(n))
    return (
        f"立法會{lcq}題：合成答覆第{n}號\n\n"
        f"以下是今日（{day.month}月{day.day}日）在立法會會議上某議員的提問和創新科技及工業局局長的書面答覆：\n\n"
        "問題：\n\n（一）二○二四年發放了多少個數據集？\n\n答覆：\n\n主席：\n\n" + "\n\n".join(items) + "\n"
    )


def generate_zh(folder: Path, count: int, seed: int = 11) -> Path:
    """Write `count` Chinese replies (our own template, random figures) and a manifest into `folder`."""
    return _write(folder, count, seed, zh_reply, "-zh", "zh-Hant")
