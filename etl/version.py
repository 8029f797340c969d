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


def _module_file(name: str, root: Path) -> Path | None:
    """The project file of a dotted module name (a package's __init__.py), or None outside it."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, root: Path) -> set[Path]:
    """Project files `path` imports anywhere in its body (function-level imports too)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
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
            for k in range(1, len(parts) + 1):  # a submodule's import runs its packages' __init__ too
                file = _module_file(".".join(parts[:k]), root)
                if file is not None:
                    found.add(file)
    return found


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
    vocabulary folder, at any depth, and the registry's digest complete it;
    names are hashed with the bytes, so moving a vocabulary file counts too.
    """
    root = root or settings.ROOT
    vocab_dir = vocab_dir or settings.VOCAB_DIR
    h = hashlib.sha256(registry.digest.encode())
    for path in code_files(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted(p for p in vocab_dir.rglob("*") if p.is_file()):
        h.update(path.relative_to(vocab_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]
