"""A synthetic corpus of replies for benchmarks: our own template, random figures.

Written into a git-ignored folder; the same seed gives the same corpus. Reply n's
content is drawn from its own generator (seeded by the seed and n), as a plan of
items and sentences, then written in English or Chinese: the Chinese reply n is
the English reply n told again, the same figures of the same subjects, as a real
archive's two versions of one reply are. So the bench pairs them (etl/twins.py)
and compares every figure of the pair (etl/pairing.py), as a real archive needs.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

# Bumped whenever a corpus of the same size and seed would come out different, so folders of
# corpora generated before (bench/out, kept between runs) are not taken for the new ones.
GENERATION = 3

# Each English word with its Chinese, by position: a plan holds indices, each language its words.
SUBJECTS = [
    ("Open Data Portal", "資料一線通"),
    ("Cyberport", "數碼港"),
    ("Hong Kong Science Park", "香港科學園"),
    ("Innovation and Technology Fund", "創新及科技基金"),
    ("Common Spatial Data Infrastructure", "空間數據共享平台"),
    ("Digital Policy Office", "數字政策辦公室"),
]
UNITS = [
    ("datasets", "個數據集"),
    ("enterprises", "家企業"),
    ("start-ups", "家初創企業"),
    ("projects", "個項目"),
    ("measures", "項措施"),
    ("licences", "個牌照"),
    ("forms", "份表格"),
    ("applications", "宗申請"),
]
HEDGES = [
    ("", ""),
    ("about ", "約"),
    ("over ", "超過"),
    ("nearly ", "接近"),
    ("more than ", "逾"),
    ("up to ", "最多"),
    ("at least ", "至少"),
    ("no fewer than ", "不少於"),
    ("a total of ", "合共"),
]
ANCHORS = [
    ("As of December 2024, ", "截至2024年12月，"),
    ("By mid-2024, ", "2024年年中，"),
    ("In 2023-24, ", "在2023-24年度，"),
    ("Currently, ", "現時，"),
    ("As at the end of 2023, ", "截至2023年底，"),
    ("In the 2024/25 school year, ", "在二○二四／二五學年，"),
    ("", ""),
]

Sentence = tuple  # (kind, numbers and word indices...): one sentence of a plan, in no language yet


def _sentence_plan(rng: random.Random) -> Sentence:
    kind = rng.random()
    if kind < 0.15:  # HK$ k hundred million: 億 in Chinese, so both versions state one value
        return ("money", rng.randrange(len(ANCHORS)), rng.randint(1, 90), rng.randrange(len(SUBJECTS)))
    if kind < 0.25:
        return ("percent", rng.randrange(len(HEDGES)), rng.randint(2, 60))
    if kind < 0.35:
        return ("term", rng.randint(2015, 2024), rng.randint(2, 12))
    pick = lambda words: rng.randrange(len(words))  # noqa: E731
    return (
        "count", pick(ANCHORS), pick(SUBJECTS),
        pick(HEDGES), rng.randint(2, 99_999), pick(UNITS),
        pick(HEDGES), rng.randint(2, 99_999), pick(UNITS),
    )  # fmt: skip


def plan(rng: random.Random) -> list[list[Sentence]]:
    """One reply's items, each a list of sentences: drawn before either language writes them."""
    return [[_sentence_plan(rng) for _ in range(rng.randint(3, 6))] for _ in range(1, rng.randint(3, 5))]


def _number(rng: random.Random, n: int) -> str:
    return f"{n:,}".replace(",", rng.choice([" ", ",", "\u00a0"]))


def _sentence(rng: random.Random, s: Sentence) -> str:
    if s[0] == "money":
        _, anchor, hundreds, subject = s
        amount = f"HK${hundreds * 100} million"
        return f"{ANCHORS[anchor][0]}{amount} was earmarked for the {SUBJECTS[subject][0]}."
    if s[0] == "percent":
        return f"Among them, {HEDGES[s[1]][0]}{s[2]} per cent are related to AI."
    if s[0] == "term":
        return f"The programme launched in {s[1]} will run for up to {s[2]} years."
    _, anchor, subject, h1, n1, u1, h2, n2, u2 = s
    opening = ANCHORS[anchor][0] + ("the" if ANCHORS[anchor][0] else "The")  # a sentence of its own
    return (
        f"{opening} {SUBJECTS[subject][0]} had {HEDGES[h1][0]}{_number(rng, n1)} {UNITS[u1][0]}, "
        f"and {HEDGES[h2][0]}{_number(rng, n2)} {UNITS[u2][0]} were admitted."
    )


def reply(rng: random.Random, n: int, day: date) -> str:
    items = [
        f"({k}) " + " ".join(_sentence(rng, s) for s in sentences)
        for k, sentences in enumerate(plan(rng), start=1)
    ]
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
    """Write `count` replies made by `write(rng, n, day)` and their manifest into `folder`; reply
    n's generator is seeded by `seed` and n alone, so both languages draw the same plan for it."""
    folder.mkdir(parents=True, exist_ok=True)
    start = date(2020, 1, 1)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "url", "published", "lang"])
        for n in range(count):
            day = start + timedelta(days=n % DAYS)
            name = f"{day}-LCQ{n}-synthetic{suffix}.txt"
            (folder / name).write_text(write(random.Random(seed * 1_000_003 + n), n, day), encoding="utf-8")
            w.writerow([name, "", day.isoformat(), lang])
    return folder


def generate(folder: Path, count: int, seed: int = 7) -> Path:
    """Write `count` replies and a manifest into `folder`; returns it."""
    return _write(folder, count, seed, reply, "", "en")


def _zh_number(rng: random.Random, n: int) -> str:
    import cn2an

    if rng.random() < 0.4:
        return cn2an.an2cn(n).replace("万", "萬").replace("亿", "億")
    return f"{n:,}".replace(",", rng.choice([" ", ","]))


def _zh_sentence(rng: random.Random, s: Sentence) -> str:
    if s[0] == "money":
        _, anchor, hundreds, subject = s
        return f"{ANCHORS[anchor][1]}政府為{SUBJECTS[subject][1]}預留{hundreds}億元。"
    if s[0] == "percent":
        return f"其中{HEDGES[s[1]][1]}百分之{s[2]}與人工智能有關。"
    if s[0] == "term":
        return f"於{s[1]}年推出的計劃為期最多{s[2]}年。"
    _, anchor, subject, h1, n1, u1, h2, n2, u2 = s
    return (
        f"{ANCHORS[anchor][1]}{SUBJECTS[subject][1]}共有{HEDGES[h1][1]}{_zh_number(rng, n1)}{UNITS[u1][1]}，"
        f"並已批出{HEDGES[h2][1]}{_zh_number(rng, n2)}{UNITS[u2][1]}。"
    )


def zh_reply(rng: random.Random, n: int, day: date) -> str:
    """Reply n in Chinese: the plan `reply` draws from the same generator, in Chinese words."""
    import cn2an

    items = [
        f"（{cn2an.an2cn(k)}）" + "".join(_zh_sentence(rng, s) for s in sentences)
        for k, sentences in enumerate(plan(rng), start=1)
    ]
    lcq = cn2an.an2cn(lcq_number(n))
    return (
        f"立法會{lcq}題：合成答覆第{n}號\n\n"
        f"以下是今日（{day.month}月{day.day}日）在立法會會議上某議員的提問和創新科技及工業局局長的書面答覆：\n\n"
        "問題：\n\n（一）二○二四年發放了多少個數據集？\n\n答覆：\n\n主席：\n\n" + "\n\n".join(items) + "\n"
    )


def generate_zh(folder: Path, count: int, seed: int = 7) -> Path:
    """Write `count` Chinese replies and a manifest into `folder`: reply n is the English reply n
    of the same seed, in Chinese."""
    return _write(folder, count, seed, zh_reply, "-zh", "zh-Hant")
