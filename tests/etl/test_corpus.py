"""Reading a corpus that fights back: manifests, links, FIFOs, devices, sizes (no database)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.malformed import _reply
from etl import corpus
from etl.corpus import RawDocument, Source, discover, read
from etl.errors import DocumentError
from etl.text import html_page

GOOD = _reply("As of June 2024, some 41 test pages were checked.")


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: the bugs these tests guard against never return."""

    def expired(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(sources: list[Source]) -> dict[str, str]:
    """Each source's name and either 'ok' or the reason it cannot be read."""
    out = {}
    for s in sources:
        try:
            read(s)
            out[s.name] = "ok"
        except DocumentError as e:
            out[s.name] = str(e)  # the document (or manifest line) and the reason
    return out


def corpus_with(
    tmp_path: Path, lines: list[bytes], files: tuple[str, ...] = ("a.txt", "b.txt", "c.txt")
) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in files:
        (folder / name).write_text(GOOD.replace("41", str(len(name))), encoding="utf-8")
    (folder / "manifest.csv").write_bytes(b"\n".join([b"file,url,published,lang", *lines]) + b"\n")
    return folder


def test_cor001_a_bad_published_value_costs_its_row_only(tmp_path):
    folder = corpus_with(tmp_path, [b"a.txt,,2025-03-05,en", b"b.txt,,2025-13-45,en", b"c.txt,,,en"])
    got = outcome(discover([folder]))
    assert got["a.txt"] == "ok" and got["c.txt"] == "ok"
    assert "line 3" in got["b.txt"] and "manifest.csv" in got["b.txt"] and "2025-13-45" in got["b.txt"]


def test_cor002_a_latin_1_byte_costs_its_row_only(tmp_path):
    folder = corpus_with(tmp_path, [b"a.txt,https://x.invalid/caf\xe9,,en", b"b.txt,,,en"])
    got = outcome(discover([folder]))
    assert got["b.txt"] == "ok"
    (bad,) = [reason for name, reason in got.items() if name != "b.txt"]
    assert "manifest.csv:2: bad manifest row" in bad and "UTF-8" in bad


def test_cor003_a_field_over_128_kb_costs_its_row_only(tmp_path):
    huge = b"a.txt,https://x.invalid/" + b"a" * 140_000 + b",,en"
    folder = corpus_with(tmp_path, [huge, b"b.txt,,,en"])
    got = outcome(discover([folder]))
    assert got["b.txt"] == "ok"
    assert any("manifest.csv:2:" in r and "at most" in r for r in got.values())


def test_cor004_a_manifest_with_a_bom_is_read(tmp_path):
    folder = corpus_with(tmp_path, [b"a.txt,https://x.invalid/a,2025-03-05,en"])
    path = folder / "manifest.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (source,) = discover([folder])
    assert source.error is None and source.url == "https://x.invalid/a"
    assert read(source).text.startswith("LCQ")


def test_cor005_an_unclosed_quote_does_not_swallow_the_next_row(tmp_path):
    folder = corpus_with(tmp_path, [b'"a.txt,,2025-03-05,en', b"b.txt,,2025-03-06,en", b"c.txt,,,en"])
    sources = discover([folder])
    got = outcome(sources)
    assert got["b.txt"] == "ok" and got["c.txt"] == "ok"
    assert [s for s in sources if s.name == "b.txt"][0].published.isoformat() == "2025-03-06"
    assert any("manifest.csv:2:" in r and "quote" in r for r in got.values())


def test_cor006_manifest_entries_outside_the_folder_are_refused(tmp_path):
    (tmp_path / "outside.txt").write_text(GOOD, encoding="utf-8")
    folder = corpus_with(
        tmp_path,
        [
            b"../outside.txt,,,en",
            b"/etc/passwd,,,en",
            str(tmp_path / "outside.txt").encode() + b",,,en",
            b"a.txt,,,en",
        ],
    )
    got = outcome(discover([folder]))
    assert got["a.txt"] == "ok"
    refused = [r for n, r in got.items() if n != "a.txt"]
    assert len(refused) == 3
    assert "manifest.csv:2:" in refused[0] and "climbs out" in refused[0]
    assert all("absolute path" in r for r in refused[1:])


def test_cor007_links_out_of_the_folder_are_not_followed(tmp_path):
    (tmp_path / "outside.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "far.txt").write_text(GOOD, encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "link.txt").symlink_to("../outside.txt")
    (folder / "linked-folder").symlink_to("../elsewhere")
    got = outcome(discover([folder]))
    assert got["a.txt"] == "ok"
    assert "outside the corpus folder" in got["link.txt"]
    assert not any("far.txt" in n for n in got)  # the linked folder is not walked
    # and a manifest naming the link is refused the same way
    (folder / "manifest.csv").write_text("file,url,published,lang\nlink.txt,,,en\na.txt,,,en\n")
    got = outcome(discover([folder]))
    assert got["a.txt"] == "ok" and "outside the corpus folder" in got["link.txt"]


def test_cor008_a_fifo_and_a_device_are_refused_without_reading(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    os.mkfifo(folder / "fifo.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "folder.txt").mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    with deadline(20):
        got = outcome(discover([folder]))
    assert got["a.txt"] == "ok"
    assert "FIFO" in got["fifo.txt"]
    assert "outside the corpus folder" in got["zero.txt"]
    assert "a folder" in got["folder.txt"]
    with deadline(20):  # a file named on its own gets the same checks
        assert "character device" in outcome([Source(folder / "zero.txt", "zero.txt")])["zero.txt"]


def test_cor009_a_document_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ITDASH_MAX_DOCUMENT_BYTES", "5000")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "big.txt").write_text(GOOD + "x" * 6000, encoding="utf-8")
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    got = outcome(discover([folder]))
    assert got["a.txt"] == "ok"
    assert "over the limit of 5000" in got["big.txt"]


def test_cor010_a_nul_character_is_refused_at_reading(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "nul.txt").write_text(GOOD.replace("41", "4\x001"), encoding="utf-8")
    assert "NUL character at offset" in outcome(discover([folder]))["nul.txt"]


def test_cor011_a_repeated_row_is_refused_and_the_first_kept(tmp_path):
    folder = corpus_with(tmp_path, [b"a.txt,,2025-03-05,en", b"a.txt,,2025-03-06,en"])
    sources = discover([folder])
    got = outcome(sources)
    assert got["a.txt"] == "ok" and sources[0].published.isoformat() == "2025-03-05"
    assert any("manifest.csv:3:" in r and "again" in r for n, r in got.items() if n != "a.txt")


def test_cor012_stray_end_tags_cost_linear_time():
    # 60 000 spans never closed and 60 000 end tags never opened: 480 KB. Walking
    # the open-tag stack for every stray end tag made this take minutes.
    page = "<html><body><p>Reply: " + "<span>" * 60_000 + "</b>" * 60_000 + "</p></body></html>"
    assert len(page) > 480_000
    started = time.perf_counter()
    with deadline(60):
        visible = html_page(page)
    assert time.perf_counter() - started < 5
    assert visible.text.strip() == "Reply:"


def test_cor013_nested_tags_still_close_as_before():
    page = "<div id='pressrelease'><p>One <b>two</p> three</div><p>footer</p>"
    assert html_page(page).text.split() == ["One", "two", "three"]


@pytest.mark.parametrize("raw_name", [b"caf\xe9.txt"])
def test_cor014_a_file_name_that_is_not_utf_8_is_named_printably(tmp_path, raw_name):
    folder = tmp_path / "corpus"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), raw_name), "wb") as f:
        f.write(GOOD.encode())
    (source,) = discover([folder])
    doc = read(source)
    assert isinstance(doc, RawDocument)
    error = DocumentError(doc.name, "any reason")
    assert error.doc == "caf\\udce9.txt"
    error.doc.encode("utf-8")  # storable and printable


def test_a_folder_resolved_once_gives_each_file_the_place_path_resolve_gives(tmp_path, monkeypatch):
    from etl.corpus import resolve

    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    (real / "b.txt").symlink_to(real / "a.txt")
    (real / "loop.txt").symlink_to(real / "loop.txt")
    monkeypatch.chdir(tmp_path)
    folders: dict[str, str] = {}
    for p in (
        real / "a.txt",
        tmp_path / "linked" / "a.txt",
        real / "b.txt",
        tmp_path / "linked" / "b.txt",
        Path("linked/a.txt"),
        Path("a.txt"),
        real / "missing.txt",
        tmp_path / "linked" / ".." / "real" / "a.txt",
    ):
        assert resolve(p, folders) == str(p.resolve()), p
    raw = read(Source(tmp_path / "linked" / "b.txt", "b.txt", root=tmp_path), folders)
    assert raw.place == str(real / "a.txt")


def test_a_file_is_stamped_once_settled_and_any_write_changes_its_stamp(tmp_path, monkeypatch):
    """A rerun trusts a stored hash while the file's stamp holds (etl/pipeline.py `_unread`)."""
    f = tmp_path / "reply.txt"
    f.write_text("Reply: 12 projects.")
    assert corpus.stamp(str(f)) is None  # written a moment ago: a coarse clock could hide a write
    monkeypatch.setattr(corpus, "_SETTLED_NS", 0)
    first = corpus.stamp(str(f))
    info = f.stat()
    assert first == f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
    time.sleep(0.02)  # past the kernel's clock tick
    f.write_text("Reply: 13 projects.")  # the same size
    os.utime(f, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the old modification time
    assert f.stat().st_size == info.st_size and f.stat().st_mtime_ns == info.st_mtime_ns
    assert corpus.stamp(str(f)) not in (None, first)  # its change time moved: no user can set it
    assert corpus.stamp(str(tmp_path / "gone.txt")) is None
