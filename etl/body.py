"""A page's body, read within a size cap: the bytes on the wire and the bytes they decode to.

The server decides how big a page is; the fetcher decides how much of it it
will hold. A press release is tens of kilobytes, so a body of gigabytes, or a
gzip bomb (a megabyte that inflates to a gigabyte), is an attack or a fault,
never a reply. `Body` takes the raw chunks as they arrive, counts them,
inflates gzip and deflate itself with a bounded output (zlib's `max_length`),
and stops the moment either count passes the cap: memory stays near the cap,
whatever the server sends. Only a body that ended cleanly is handed on.
"""

from __future__ import annotations

import zlib

# Content-Encodings `Body` can undo; the fetcher asks only for these.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP_MAGIC = b"\x1f\x8b"


class BodyError(Exception):
    """A body that cannot be kept; `reason` is the line recorded in failures.csv."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooLarge(BodyError):
    """The body passed the size cap, as sent or once decompressed."""


class Truncated(BodyError):
    """The compressed stream stopped before its end: cut off in transit."""


class Undecodable(BodyError):
    """An encoding `Body` does not undo, or compressed bytes that are not what they claim."""


def megabytes(size: int) -> str:
    """A byte count as a user writes the cap ("5 MB"): decimal megabytes, as `--max-page-mb`."""
    return f"{size / 1_000_000:g} MB"


def check_length(content_length: str | None, limit: int) -> None:
    """Refuse a body the server already says is over the cap, before reading any of it."""
    try:
        length = int(content_length or "")
    except ValueError:
        return  # absent or unreadable: the streamed count decides
    if length > limit:
        raise TooLarge(f"too large: Content-Length {length} bytes is over the {megabytes(limit)} cap")


class Body:
    """Accumulates one response's body, undoing its Content-Encoding, never past `limit` bytes."""

    def __init__(self, limit: int, content_encoding: str | None = None) -> None:
        self.limit = limit
        self.encoding = (content_encoding or "identity").strip().lower()
        if self.encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise Undecodable(f"unsupported Content-Encoding {content_encoding!r}")
        self.sent = 0  # bytes received, before decoding
        self._out = bytearray()
        self._inflater = self._new_inflater()
        self._raw_deflate = False
        self._started = False

    def _new_inflater(self, wbits: int | None = None) -> zlib._Decompress | None:
        if self.encoding == "identity":
            return None
        if wbits is None:
            wbits = zlib.MAX_WBITS | 16 if self.encoding != "deflate" else zlib.MAX_WBITS
        return zlib.decompressobj(wbits)

    def feed(self, chunk: bytes) -> None:
        """Take the next raw chunk; raises `TooLarge` as soon as either count passes the cap."""
        self.sent += len(chunk)
        if self.sent > self.limit:
            what = "" if self.encoding == "identity" else f" even compressed ({self.encoding})"
            raise TooLarge(f"too large: more than {megabytes(self.limit)}{what}")
        if self._inflater is None:
            self._keep(chunk)
        else:
            self._inflate(chunk)

    def _keep(self, data: bytes) -> None:
        if len(self._out) + len(data) > self.limit:
            what = "" if self.encoding == "identity" else f" once decompressed ({self.encoding})"
            raise TooLarge(f"too large: more than {megabytes(self.limit)}{what}")
        self._out += data

    def _inflate(self, data: bytes) -> None:
        while data and self._inflater is not None:
            room = self.limit - len(self._out) + 1  # one byte over is enough to know
            try:
                out = self._inflater.decompress(data, room)
            except zlib.error as e:
                # "deflate" should be zlib-wrapped, but some servers send raw deflate.
                if self.encoding == "deflate" and not self._started and not self._raw_deflate:
                    self._raw_deflate = True
                    self._inflater = self._new_inflater(-zlib.MAX_WBITS)
                    continue
                raise Undecodable(f"corrupt {self.encoding} body ({e})") from None
            self._started = True
            self._keep(out)
            if not self._inflater.eof:
                data = self._inflater.unconsumed_tail
            elif self.encoding != "deflate" and self._inflater.unused_data.startswith(_GZIP_MAGIC):
                data = self._inflater.unused_data  # a further gzip member (RFC 1952 allows several)
                self._inflater = self._new_inflater()
            else:
                return  # trailing bytes after the stream's end are ignored, as browsers do

    def finish(self) -> bytes:
        """The whole decoded body; raises `Truncated` if a compressed stream did not end."""
        if self._inflater is not None and not self._inflater.eof:
            raise Truncated(f"truncated: the {self.encoding} stream stops before its end")
        return bytes(self._out)
