"""Errors that name the document and the place, so users see a line, not a trace."""

from __future__ import annotations

import re


def printable(text: str) -> str:
    """`text` as every database and terminal can hold it: NULs and undecodable file-name bytes escaped.

    A file name that is not UTF-8 reaches Python as lone surrogates, which
    neither PostgreSQL nor SQLite can store; the quarantine must still name it.
    """
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class ItdashError(Exception):
    """Something the user can act on; the CLI prints it as one line."""


class DocumentError(ItdashError):
    """A document that cannot go through a stage; it is quarantined, the rest go on."""

    def __init__(self, doc: str, reason: str, stage: str = "read") -> None:
        doc, reason = printable(doc), printable(reason)
        super().__init__(f"{doc}: {reason}")
        self.doc = doc
        self.reason = reason
        self.stage = stage

    @classmethod
    def of(cls, exc: BaseException, doc: str, stage: str = "load") -> DocumentError:
        """Any failure of one document as the error that quarantines it, naming the document."""
        return as_document_error(exc, doc, stage)


class ConfigError(ItdashError):
    """A data file under data/ that does not match its model."""


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as a short line: the driver's own words, not the SQL and its parameters.

    SQLAlchemy wraps driver errors with the statement and every bound value,
    which for a document means its whole text; the wrapped error says what failed.
    """
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).replace("\x00", "\\x00").strip()
    first = text.splitlines()[0] if text else ""
    line = f"{inner.__class__.__name__}: {first}" if first else inner.__class__.__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


def as_document_error(exc: BaseException, doc: str, stage: str = "load") -> DocumentError:
    """Any failure of one document as the error that quarantines it, naming the document."""
    if isinstance(exc, DocumentError):
        return exc
    return DocumentError(doc, f"unexpected {one_line(exc)}", stage)


# The kinds of quarantine reason the ETL writes, each as the pattern of its English text with
# the technical part (a pandera report, an OS error) as `detail`: stored beside the reason
# (`Quarantine.code`, `.detail`), so a Chinese page translates the framing and quotes the
# detail as it is. A reason of no kind here keeps no code and shows in English.
REASONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern, re.DOTALL))
    for code, pattern in (
        (
            "no_date",
            r"the reply's date is not in its closing line, the manifest, the file name or the address",
        ),
        ("no_text", r"no visible text"),
        ("no_part", r"no (?P<detail>'[^']+') part found"),
        ("too_many_figures", r"(?P<detail>\d+) figures, over the limit of \d+ a document may hold"),
        ("figures_invalid", r"figures failed validation: (?P<detail>.+)"),
        ("observations_invalid", r"observations failed validation: (?P<detail>.+)"),
        ("row_invalid", r"failed validation: (?P<detail>.+)"),
        ("unstorable", r"values the database cannot hold: (?P<detail>.+)"),
        (
            "refers_to_nothing",
            r"rows refer to what is not stored \(found when the load's foreign keys were added back\): "
            r"(?P<detail>.+)",
        ),
        ("extraction_failed", r"extraction failed: (?P<detail>.+)"),
        ("unreadable_csv", r"cannot read CSV: (?P<detail>.+)"),
        ("missing_columns", r"missing columns: (?P<detail>.+)"),
        ("unreadable_manifest", r"cannot read the manifest: (?P<detail>.+)"),
        ("bad_manifest_row", r"bad manifest row: (?P<detail>.+)"),
        ("no_file", r"no such file or folder"),
        ("unreadable", r"cannot read: (?P<detail>.+)"),
        ("bad_encoding", r"not valid (?P<detail>.+)"),
        ("nul_character", r"holds a NUL character at offset (?P<detail>\d+): not a text document"),
        ("unknown_indicator", r"unknown indicator (?P<detail>.+)"),
        ("unexpected", r"unexpected (?P<detail>.+)"),
    )
)


def reason_code(reason: str) -> tuple[str | None, str | None]:
    """A quarantine reason's kind and technical detail (None, None for a reason of no known kind)."""
    for code, pattern in REASONS:
        m = pattern.fullmatch(reason)
        if m:
            return code, m.groupdict().get("detail")
    return None, None
