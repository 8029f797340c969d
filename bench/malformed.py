"""A hostile corpus: malformed documents and manifests of every kind, mixed with good replies.

`generate` writes several corpus folders (each with its manifest, some with a
UTF-8 BOM, one scanned without a manifest) and returns what must become of
each file: good replies load, bad documents and manifest rows are
quarantined under a known name, copies are reported as duplicates, nothing
outside the corpus folders is read. `run` runs `itdash etl` over them in a
child process and checks that against the database. As a script it does
both on SQLite and on PostgreSQL and prints the figures:

    .venv/bin/python bench/malformed.py --count 1000
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.generate import reply  # noqa: E402
from etl.errors import printable  # noqa: E402

# Smaller than the default document limit, so the oversize files stay cheap to write.
DOCUMENT_LIMIT = 600_000
ROWS_PER_MANIFEST = 120
OUTSIDE_MARK = "This reply lies outside every corpus folder"
PG_ADMIN_URL = os.environ.get("ITDASH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Expected:
    """What the ETL must make of a generated corpus."""

    corpora: list[Path] = field(default_factory=list)
    good: set[str] = field(default_factory=set)  # sources that must be loaded
    bad: dict[str, str] = field(default_factory=dict)  # quarantine source -> kind of fault
    duplicates: dict[str, str] = field(default_factory=dict)  # copy -> the source it copies
    hostile_but_valid: int = 0  # good replies built to be slow (stray HTML end tags)

    @property
    def malformed(self) -> int:
        return len(self.bad) + len(self.duplicates) + self.hostile_but_valid


def _reply(text: str, lcq: str = "7", ends: str = "Ends/Wednesday, March 5, 2025") -> str:
    """A reply in our own words around `text`, with the title number and closing line given."""
    return (
        f"LCQ{lcq}: A generated reply\n\n"
        "Following is a question by the Hon Test Member and a written reply by the Secretary for "
        "Testing, Mr Sample Person, in the Legislative Council today (March 5):\n\n"
        "Question:\n\nHow many test cases were written?\n\nReply:\n\nPresident,\n\n"
        f"{text}\n\n{ends}\n"
    )


def _good(rng: random.Random, n: int) -> tuple[str, str]:
    day = date(2021, 1, 1) + timedelta(days=n % 1500)
    body = reply(rng, n, day) + f"\nEnds/Wednesday, {day:%B} {day.day}, {day.year}\n"
    return f"{day}-LCQ{n}-good.txt", body


def _stray_tags_page(n: int) -> str:
    """A valid reply page padded with thousands of spans never closed and end tags never opened."""
    body = _reply(f"As of June 2024, some {n % 900 + 10} generated pages were checked.")
    pad = "<span>" * 30_000 + "</b>" * 30_000
    page = body.replace("\n", "<br>\n")
    return f"<html><body><div id='pressrelease'>{page}{pad}</div></body></html>"


Writer = Callable[[Path], None]


def _content(data: str | bytes) -> Writer:
    def write(path: Path) -> None:
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    return write


def _link(target: str) -> Writer:
    return lambda path: path.symlink_to(target)


_TEXT = "As of 2024, 15 projects were run."
BAD_DOCUMENTS: list[tuple[str, Writer]] = [
    ("lcq-2^63", _content(_reply("As of 2024, 12 projects were run.", lcq=str(2**63)))),
    ("lcq-2^31", _content(_reply("As of 2024, 13 projects were run.", lcq=str(2**31)))),
    ("nul-character", _content(_reply("As of 2024, 14 projects\x00 were run."))),
    ("infinite-number", _content(_reply("As of June 2024, there were " + "9" * 400 + " datasets."))),
    (
        "date-9999",
        _content(_reply(_TEXT, ends="Ends/Friday, December 31, 9999")),
    ),
    ("date-1001", _content(_reply(_TEXT, ends="Ends/Monday, January 1, 1001"))),
    ("latin-1-text", _content(_reply("As of 2024, 17 caf\u00e9s were opened.").encode("latin-1"))),
    ("no-reply-part", _content("LCQ3: Only a question\n\nQuestion:\n\nHow many?\n")),
    ("empty", _content("")),
    ("binary", _content(random.Random(3).randbytes(4000))),
    (
        "oversize",
        _content(_reply("As of 2024, 18 projects were run. " + "More words. " * (DOCUMENT_LIMIT // 12))),
    ),
    (
        "too-many-figures",
        _content(_reply("In 2024: " + ", ".join(f"{k} forms" for k in range(1, 3001)) + ".")),
    ),
    ("fifo", lambda path: os.mkfifo(path)),
    ("link-to-dev-zero", _link("/dev/zero")),
    ("link-outside", _link("../outside.txt")),
    ("folder-named-txt", lambda path: path.mkdir()),
    ("missing-file", lambda path: None),
]
# Manifest rows that are themselves wrong: (kind, the row's bytes given a good file name).
BAD_ROWS: list[tuple[str, Callable[[str], bytes]]] = [
    ("bad-published", lambda f: f"{f},,2025-13-45,en".encode()),
    ("latin-1-row", lambda f: f"{f},https://example.invalid/caf\u00e9,2025-03-05,en".encode("latin-1")),
    ("field-over-128KB", lambda f: f"{f},https://example.invalid/{'a' * 140_000},2025-03-05,en".encode()),
    ("unclosed-quote", lambda f: f'"{f},,2025-03-05,en'.encode()),
    ("dot-dot", lambda f: b"../outside.txt,,2025-03-05,en"),
    ("absolute-path", lambda f: b"/etc/passwd,,2025-03-05,en"),
    ("no-file", lambda f: b",https://example.invalid/x,2025-03-05,en"),
    ("nul-in-row", lambda f: f"{f}\x00,,2025-03-05,en".encode()),
]
_KEYED_BY_FILE = {"bad-published"}  # rows quarantined under their document's name; others by line


class _Manifest:
    def __init__(self, folder: Path, bom: bool) -> None:
        self.folder = folder
        self.path = folder / "manifest.csv"
        self.lines: list[bytes] = [(b"\xef\xbb\xbf" if bom else b"") + b"file,url,published,lang"]

    def add(self, line: bytes) -> int:
        self.lines.append(line)
        return len(self.lines)

    def write(self) -> None:
        self.path.write_bytes(b"\n".join(self.lines) + b"\n")


def generate(folder: Path, count: int, seed: int = 11) -> Expected:
    """Write at least `count` malformed documents and manifest rows, and good replies among them."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outside.txt").write_text(_reply(f"{OUTSIDE_MARK}: 99 projects."), encoding="utf-8")
    out = Expected()
    written: list[tuple[Path, str]] = []  # good files: (path, source)
    n = 0

    def good(manifest: _Manifest) -> None:
        nonlocal n
        n += 1
        name, body = _good(rng, n)
        (manifest.folder / name).write_text(body, encoding="utf-8")
        manifest.add(f"{name},,,en".encode())
        out.good.add(name)
        written.append((manifest.folder / name, name))

    index = 0
    while out.malformed < count:
        corpus = folder / f"corpus-{len(out.corpora):02d}"
        corpus.mkdir()
        out.corpora.append(corpus)
        manifest = _Manifest(corpus, bom=len(out.corpora) % 3 == 0)
        while len(manifest.lines) < ROWS_PER_MANIFEST and out.malformed < count:
            index += 1
            slot = index % (len(BAD_DOCUMENTS) + len(BAD_ROWS) + 4)
            good(manifest)
            if slot < len(BAD_DOCUMENTS):
                kind, make = BAD_DOCUMENTS[slot]
                name = f"{corpus.name}-{index}-{kind}.txt"
                make(corpus / name)
                manifest.add(f"{name},,2025-03-05,en".encode())
                out.bad[name] = kind
            elif slot < len(BAD_DOCUMENTS) + len(BAD_ROWS):
                kind, row = BAD_ROWS[slot - len(BAD_DOCUMENTS)]
                n += 1
                name, body = _good(rng, n)
                (corpus / name).write_text(body, encoding="utf-8")
                line = manifest.add(row(name))
                out.bad[name if kind in _KEYED_BY_FILE else f"{manifest.path}:{line}"] = kind
                if kind == "unclosed-quote":
                    good(manifest)  # the row after an unclosed quote must still load
            elif slot == len(BAD_DOCUMENTS) + len(BAD_ROWS):
                original, source = written[rng.randrange(len(written))]
                name = f"{corpus.name}-{index}-copy.txt"
                shutil.copyfile(original, corpus / name)
                manifest.add(f"{name},,,en".encode())
                out.duplicates[name] = source
            elif slot == len(BAD_DOCUMENTS) + len(BAD_ROWS) + 1:
                name = written[-1][1]
                line = manifest.add(f"{name},,,en".encode())  # the same file named twice
                out.bad[f"{manifest.path}:{line}"] = "repeated-row"
            elif slot == len(BAD_DOCUMENTS) + len(BAD_ROWS) + 2 and index % 5 == 0:
                name = f"{corpus.name}-{index}-stray-end-tags.htm"
                (corpus / name).write_text(_stray_tags_page(index), encoding="utf-8")
                manifest.add(f"{name},,2025-03-05,en".encode())
                out.good.add(name)
                out.hostile_but_valid += 1
        manifest.write()
    _scanned(folder, rng, out)
    return out


def _scanned(folder: Path, rng: random.Random, out: Expected) -> None:
    """A corpus without a manifest: links, a FIFO and a file name that is not UTF-8 among good replies."""
    scan = folder / "scanned"
    scan.mkdir()
    out.corpora.append(scan)
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2024-01-02-LCQ1-elsewhere.txt").write_text(_reply(f"{OUTSIDE_MARK}: 98 projects."))
    (scan / "linked-folder").symlink_to("../elsewhere")  # a link to a folder is not followed
    for k in range(3):
        name, body = _good(rng, 90_000 + k)
        (scan / name).write_text(body, encoding="utf-8")
        out.good.add(name)
    for kind, make in BAD_DOCUMENTS:
        if kind == "missing-file":
            continue
        name = f"scanned-{kind}.txt"
        make(scan / name)
        out.bad[name] = kind
    raw_name = b"2025-03-05-LCQ2-caf\xe9.txt"
    with open(os.path.join(os.fsencode(scan), raw_name), "wb") as f:
        f.write(_reply("As of 2024, 19 projects were run.").encode())
    out.bad[printable(os.fsdecode(raw_name))] = "file-name-not-utf-8"


@dataclass
class Report:
    """What one `itdash etl` over a generated corpus did, checked against what it must do."""

    database: str
    returncode: int
    seconds: float
    peak_mb: float
    tracebacks: int
    good: int
    good_loaded: int
    missing_good: list[str]
    bad: int
    quarantined: dict[str, str]
    not_quarantined: list[str]
    duplicates: int
    duplicates_reported: int
    outside_read: list[str]
    kinds: Counter
    examples: dict[str, str] = field(default_factory=dict)  # kind -> one quarantine line

    @property
    def ok(self) -> bool:
        return (
            self.returncode == 0
            and self.tracebacks == 0
            and not self.missing_good
            and not self.not_quarantined
            and self.duplicates_reported == self.duplicates
            and not self.outside_read
        )

    def lines(self) -> list[str]:
        out = [
            f"{self.database}: exit {self.returncode}, {self.seconds:.1f} s, "
            f"peak memory {self.peak_mb:.0f} MB",
            f"  tracebacks: {self.tracebacks}",
            f"  good replies loaded: {self.good_loaded} of {self.good}",
            "  bad documents and manifest rows quarantined: "
            f"{self.bad - len(self.not_quarantined)} of {self.bad}"
            f" (quarantine holds {len(self.quarantined)} rows)",
            f"  duplicates reported: {self.duplicates_reported} of {self.duplicates}",
            f"  files outside the corpus read: {len(self.outside_read)}",
            "  reasons, by kind of fault:",
        ]
        for kind, k in sorted(self.kinds.items()):
            example = self.examples.get(kind, "")
            example = example if len(example) <= 150 else example[:149] + "…"
            out.append(f"    {k:5d} {kind:20s} e.g. {example}")
        for name in (self.missing_good[:5] + self.not_quarantined[:5])[:10]:
            out.append(f"  NOT AS EXPECTED: {name}")
        return out


def run(expected: Expected, database_url: str, workdir: Path) -> Report:
    """`itdash etl` over the generated corpora in a child process, checked against the database."""
    args = [sys.executable, "-m", "itdash.cli", "etl", "--database", database_url]
    for corpus in expected.corpora:
        args += ["--corpus", str(corpus)]
    env = dict(os.environ, ITDASH_MAX_DOCUMENT_BYTES=str(DOCUMENT_LIMIT), COLUMNS="200")
    stdout, stderr = workdir / "etl.out", workdir / "etl.err"
    started = time.perf_counter()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        child = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    said = stdout.read_text(errors="replace") + stderr.read_text(errors="replace")

    engine = create_engine(database_url)
    with engine.connect() as c:
        documents = {r[0]: r[1] for r in c.execute(text("SELECT source, content FROM documents"))}
        quarantined = dict(c.execute(text("SELECT source, reason FROM quarantine")).all())
    engine.dispose()
    reported = set(re.findall(r"^duplicate (.+?): same bytes as ", said, re.M))
    kinds: Counter = Counter()
    examples: dict[str, str] = {}
    for source, reason in sorted(quarantined.items()):
        kind = expected.bad.get(source) or (
            "row of data/curated" if "curated" in source else "(not generated)"
        )
        kinds[kind] += 1
        examples.setdefault(kind, f"{source}: {reason}")
    outside = [s for s, content in documents.items() if OUTSIDE_MARK in content or "root:x:0:0" in content]
    return Report(
        database=database_url.split("://")[0],
        returncode=child.returncode,
        seconds=seconds,
        peak_mb=usage.ru_maxrss / 1024,
        tracebacks=said.count("Traceback (most recent call last)"),
        good=len(expected.good),
        good_loaded=len(expected.good & documents.keys()),
        missing_good=sorted(expected.good - documents.keys()),
        bad=len(expected.bad),
        quarantined=quarantined,
        not_quarantined=sorted(set(expected.bad) - quarantined.keys()),
        duplicates=len(expected.duplicates),
        duplicates_reported=len(reported & expected.duplicates.keys()),
        outside_read=outside,
        kinds=kinds,
        examples=examples,
    )


def _postgres() -> tuple[str, Callable[[], None]]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"itdash_malformed_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="malformed documents and rows to write")
    parser.add_argument("--no-postgres", action="store_true", help="run on SQLite only")
    options = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="itdash-malformed-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        expected = generate(work / "corpus", options.count)
        print(
            f"generated {expected.malformed} malformed documents and manifest rows "
            f"({len(expected.bad)} to quarantine, {len(expected.duplicates)} copies, "
            f"{expected.hostile_but_valid} slow-but-valid pages) and {len(expected.good)} good replies "
            f"in {len(expected.corpora)} corpora, {time.perf_counter() - started:.1f} s"
        )
        targets: list[tuple[str, Callable[[], None]]] = [
            (f"sqlite:///{work / 'itdash.sqlite'}", lambda: None)
        ]
        if not options.no_postgres:
            targets.append(_postgres())
        for url, cleanup in targets:
            try:
                report = run(expected, url, work)
            finally:
                cleanup()
            print("\n".join(report.lines()))
            if url.startswith("sqlite:///"):  # grows with the corpus: each sentence is stored once
                size = sum(p.stat().st_size for p in work.glob("itdash.sqlite*") if p.suffix != ".etl-lock")
                print(f"  database file {size / 1e6:.1f} MB (with its write-ahead log)")
            ok = ok and report.ok
    print("all as expected" if ok else "SOME RESULTS NOT AS EXPECTED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
