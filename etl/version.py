"""The ETL's version: a digest of everything that decides what a stored document becomes.

A document is reprocessed when its bytes or this digest change (stored as
`documents.processed_with`), so an edit to the extractor, a vocabulary or the
registry reaches every stored document on the next run.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from etl import settings
from etl.indicators import Registry

PIPELINE = "etl.pipeline"  # the stages' runner: its imports, followed, are the code that decides
# Data outside the vocabulary folder that decides what a figure becomes: its series (etl/series.py)
SERIES_FILES = ("series.toml", "series_zh.toml")


def _module_file(name: str, root: Path) -> Path | None:
    """The project file of a dotted module name (a package's __init__.py), or None outside it."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


# Module names each source imports, by its path in the tree and a hash of its bytes: parsing
# the ~40 modules is most of a digest's time, and their bytes say whether the answer holds.
_NAMES: dict[tuple[str, bytes], tuple[str, ...]] = {}


def _import_names(source: bytes, module: str, is_package: bool, filename: str) -> tuple[str, ...]:
    """Dotted names of every module `source` may import, anywhere in its body."""
    key = (f"{module}:{is_package}", hashlib.sha256(source).digest())
    if key in _NAMES:
        return _NAMES[key]
    package = module if is_package else module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from etl import parse` names a module; `from etl.parse import Reply` a name in one.
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            # a submodule's import runs its packages' __init__ too
            found += (".".join(parts[:k]) for k in range(1, len(parts) + 1))
    _NAMES[key] = tuple(dict.fromkeys(found))
    return _NAMES[key]


def _imports(path: Path, root: Path) -> set[Path]:
    """Project files `path` imports anywhere in its body (function-level imports too).

    The names are parsed once per content (`_import_names`); which of them are project
    files is looked up every time, so a module added later is found as it would be at once."""
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    if path.name == "__init__.py":
        module = module.rpartition(".")[0]
    names = _import_names(path.read_bytes(), module, path.name == "__init__.py", str(path))
    return {file for name in names if (file := _module_file(name, root)) is not None}


def code_files(root: Path | None = None) -> list[Path]:
    """Every project source file the pipeline runs: etl/pipeline.py and all it imports, transitively."""
    root = root or settings.ROOT
    start = root / Path(*PIPELINE.split(".")).with_suffix(".py")
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_imports(path, root) - seen)
    return sorted(seen)


def digest(registry: Registry, root: Path | None = None, vocab_dir: Path | None = None) -> str:
    """A digest of everything that decides what a document becomes.

    A document is reprocessed when its bytes or this digest change. The code
    part is not a hand-kept list of files (one went stale: editing the table
    reader reprocessed nothing) but every project module the pipeline imports,
    followed through their imports (`code_files`): a new extractor module is
    covered the moment the extraction path imports it. It takes in the modules
    that run after extraction too (load, review, reconcile); editing them
    costs a reprocessing run, never a stale extraction. Every file under the
    vocabulary folder, at any depth, the series word lists (`SERIES_FILES`) and the
    registry's digest complete it; names are hashed with the bytes, so moving a
    vocabulary file counts too.
    """
    root = root or settings.ROOT
    vocab_dir = vocab_dir or settings.VOCAB_DIR
    h = hashlib.sha256(registry.digest.encode())
    for path in code_files(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted(p for p in vocab_dir.rglob("*") if p.is_file()):
        h.update(path.relative_to(vocab_dir).as_posix().encode() + b"\0" + path.read_bytes())
    for name in SERIES_FILES:
        path = settings.DATA_DIR / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"\0missing"))
    return h.hexdigest()[:16]
