"""Errors that name the document and the place, so users see a line, not a trace."""

from __future__ import annotations


class ItdashError(Exception):
    """Something the user can act on; the CLI prints it as one line."""


class DocumentError(ItdashError):
    """A document that cannot go through a stage; it is quarantined, the rest go on."""

    def __init__(self, doc: str, reason: str, stage: str = "read") -> None:
        super().__init__(f"{doc}: {reason}")
        self.doc = doc
        self.reason = reason
        self.stage = stage


class ConfigError(ItdashError):
    """A data file under data/ that does not match its model."""
