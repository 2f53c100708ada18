"""The Corpus: the tables of one build as pandas DataFrames, plus its manifest."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from corpuskit import schema


@dataclass
class Corpus:
    """Tidy tables of a document collection: one DataFrame per table of the design contract."""

    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    sentences: pd.DataFrame
    quotes: pd.DataFrame
    speakers: pd.DataFrame
    speaker_features: pd.DataFrame
    frame_evidence: pd.DataFrame
    manifest: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in contract order."""
        return {name: getattr(self, name) for name in schema.TABLE_NAMES}

    def to_parquet(self, out: str | os.PathLike) -> Path:
        """Write one Parquet file per table and manifest.json into `out`, atomically.

        The tables go to a sibling temporary folder that replaces `out` only when complete,
        so an interrupted write never leaves a folder that looks finished.
        """
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.partial")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        for name, df in self.tables().items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "manifest.json").write_text(
            json.dumps(self.manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
            encoding="utf-8",
        )
        replace_dir(tmp, out)
        return out

    @classmethod
    def from_parquet(cls, path: str | os.PathLike) -> Corpus:
        """Load a corpus written by `to_parquet` or `corpuskit build`."""
        path = Path(path)
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(f"{path} is not a corpuskit build (no manifest.json)")
        tables = {}
        for name in schema.TABLE_NAMES:
            file = path / f"{name}.parquet"
            tables[name] = pd.read_parquet(file) if file.exists() else schema.frame(name, [])
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        return cls(**tables, manifest=manifest)

    def contrast(self, by: str, groups, **kwargs) -> pd.DataFrame:
        """Terms that distinguish speakers whose `by` column is groups[0] from groups[1]."""
        from corpuskit.contrast import contrast

        return contrast(self, by=by, groups=groups, **kwargs)

    def kwic(self, pattern: str, window: int = 8) -> pd.DataFrame:
        """Keyword in context, with speaker, for a term or `*` wildcard pattern."""
        from corpuskit.kwic import kwic

        return kwic(self, pattern, window=window)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(df)}" for name, df in self.tables().items())
        return f"Corpus({sizes})"


def replace_dir(new: Path, target: Path) -> None:
    """Move folder `new` to `target`, replacing any previous `target` only after `new` is complete."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old)
    else:
        os.replace(new, target)


def read(*inputs: str | os.PathLike, **settings) -> Corpus:
    """Read files, folders or globs into a Corpus (`corpuskit.read("seeds")`).

    Keyword arguments are build settings (see `corpuskit.pipeline.Settings`), e.g.
    `frames="my_frames.yaml"` or `speakers="speakers.csv"`.
    """
    from corpuskit.pipeline import Settings, build

    if not inputs:
        raise ValueError("corpuskit.read needs at least one input path")
    return build([str(p) for p in inputs], Settings(**settings))
