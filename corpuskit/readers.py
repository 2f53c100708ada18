"""Stage 1, read (`readers`): find input files and turn each into documents (text + metadata).

STUB: only plain UTF-8 .txt is handled; the readers issue replaces read_file.
"""

from __future__ import annotations

import glob
from pathlib import Path

from corpuskit.errors import UsageError


def discover(inputs: list[str]) -> list[tuple[Path, Path, str]]:
    """Files under `inputs` (files, folders searched recursively, or globs) as (path, root, shown).

    `root` is what `source` is relative to; `shown` is the path as the manifest names it.
    Hidden files and folders (starting with '.') inside folders are not read.
    """
    found: dict[str, tuple[Path, Path, str]] = {}
    for raw in inputs:
        p = Path(raw)
        if p.is_file():
            found.setdefault(str(p), (p, p.parent, str(p)))
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if f.is_file() and not any(part.startswith(".") for part in rel.parts):
                    found.setdefault(str(f), (f, p, str(f)))
        elif glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            base = Path(raw.split("*")[0].rsplit("/", 1)[0] if "/" in raw else ".")
            for m in matches:
                f = Path(m)
                if f.is_file():
                    found.setdefault(str(f), (f, base, str(f)))
        else:
            raise UsageError(f"input not found: {raw}")
    return [found[k] for k in sorted(found)]


def doc_prefix(path: Path, root: Path) -> str:
    """Readable, stable document id stem: the path relative to its root, without extension."""
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    return rel.with_suffix("").as_posix()


def read_file(path: Path, root: Path, prefix: str) -> tuple[dict, list[dict]]:
    """Read one file: (manifest entry {path, status, reason, warnings}, documents).

    Each document is {doc_id, source, date, title, text, meta}; `meta` holds extra metadata
    columns (speaker, party, ...). Never raises for bad input: status "skipped" with a reason.
    """
    entry = {"path": str(path), "status": "ok", "reason": None, "warnings": []}
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if not text.strip():
        entry.update(status="skipped", reason="empty file")
        return entry, []
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    doc = {"doc_id": prefix, "source": rel, "date": None, "title": None, "text": text, "meta": {}}
    return entry, [doc]
