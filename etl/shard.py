"""A shard of a corpus: which documents one of several `itdash etl` processes takes.

Documents are assigned by a hash of their name, not by position, so every
process computes the same split from the same corpus without talking to the
others, and a document keeps its shard when other documents come and go.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from etl.corpus import Source
from etl.errors import ItdashError


@dataclass(frozen=True)
class Shard:
    number: int  # 1..count
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N`: the K-th of N shards, counted from 1."""
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
            raise ItdashError(f"--shard {text!r} is not K/N with 1 <= K <= N (for example 1/4)")
        return cls(int(m.group(1)), int(m.group(2)))

    def owns(self, name: str) -> bool:
        digest = hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.number - 1

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


def select(sources: Iterable[Source], shard: Shard | None) -> list[Source]:
    """The sources of `shard` (every source without one), in corpus order."""
    found = list(sources)
    if shard is None or shard.count == 1:
        return found
    return [s for s in found if shard.owns(s.error.doc if s.error is not None else s.name)]
