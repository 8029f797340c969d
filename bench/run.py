"""`make bench`: extraction speed and memory over a synthetic corpus; prints figures.

Extraction is timed on one core (this process), reading, parsing and
extracting each reply; peak memory is the process's maximum resident size.
quantulum3 (the `bench` extra), a general quantity extractor, is timed over a
sample of the same English replies for scale: its `parser.parse` reads each
reply's visible text, ours reads, parses and extracts the file.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.etl import held  # noqa: E402
from bench.generate import GENERATION, generate, generate_zh  # noqa: E402
from etl.corpus import discover, read  # noqa: E402
from etl.extract import extract  # noqa: E402
from etl.parse import parse  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
TARGET_RATE = 1_000  # issue 14: extraction alone, replies a second on one core


def extraction(count: int, lang: str = "en") -> None:
    folder = OUT / (f"corpus-g{GENERATION}-{count}" if lang == "en" else f"corpus-g{GENERATION}-zh-{count}")
    if not (folder / "manifest.csv").exists():
        t = time.perf_counter()
        (generate if lang == "en" else generate_zh)(folder, count)
        print(f"generated {count} synthetic {lang} replies in {time.perf_counter() - t:.1f} s")
    sources = discover([folder])
    extract(parse(read(sources[0])))  # vocabularies compiled once, outside the timing
    figures = 0
    t = time.perf_counter()
    for k, src in enumerate(sources, start=1):
        figures += len(extract(parse(read(src))))
        if k % 2000 == 0:
            print(f"  {k}/{len(sources)} replies", file=sys.stderr)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"extraction ({lang}): {len(sources)} replies, {figures} figures in {seconds:.2f} s "
        f"= {len(sources) / seconds:,.0f} replies/s on one core; peak memory {peak:.0f} MB"
    )
    print(verdict(len(sources) / seconds))


def verdict(rate: float) -> str:
    """Extraction's target, judged by the rate printed above it (the ETL's are in bench/etl.py)."""
    ok = held(rate >= TARGET_RATE)
    return f"  target: {TARGET_RATE:,} replies/s on one core: {ok} ({rate / TARGET_RATE:.2f} of it)"


def quantulum_comparison(count: int, sample: int) -> None:
    """Ours against quantulum3 over the first `sample` English replies of the bench corpus."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it warns that its optional classifier is missing
            from quantulum3 import parser as quantulum
    except ImportError:
        print("quantulum3 comparison skipped: install the bench extra (pip install -e '.[dev,bench]')")
        return
    sources = discover([OUT / f"corpus-g{GENERATION}-{count}"])[:sample]
    texts = [parse(read(src)).text for src in sources]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantulum.parse(texts[0])  # its units and entities loaded once, outside the timing
        t = time.perf_counter()
        theirs = sum(len(quantulum.parse(text)) for text in texts)
        their_seconds = time.perf_counter() - t
    t = time.perf_counter()
    ours = sum(len(extract(parse(read(src)))) for src in sources)
    our_seconds = time.perf_counter() - t
    ours_rate, their_rate = len(sources) / our_seconds, len(sources) / their_seconds
    print(
        f"quantulum3 (en): {len(sources)} replies, {theirs} quantities in {their_seconds:.2f} s "
        f"= {their_rate:,.1f} replies/s; ours on the same replies: {ours} figures, "
        f"{ours_rate:,.0f} replies/s = {ours_rate / their_rate:,.0f}x quantulum3"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--zh-replies", type=int, default=2_000, help="Chinese replies (0: none)")
    parser.add_argument(
        "--compare", type=int, default=300, help="English replies also given to quantulum3 (0: none)"
    )
    args = parser.parse_args()
    extraction(args.replies)
    if args.zh_replies:
        extraction(args.zh_replies, "zh")
    if args.compare:  # last: its models would count in the peak memory of the lines above
        quantulum_comparison(args.replies, args.compare)


if __name__ == "__main__":
    main()
