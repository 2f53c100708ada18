"""Frame dictionaries: load YAML or LIWC .dic, match terms in text, keep every match as evidence.

STUB: the framing issue replaces it.
"""

from __future__ import annotations


class FrameDictionary:
    def __init__(self, frames: dict[str, list[str]], name: str = "empty", version: str = "0"):
        self.frames = frames
        self.name = name
        self.version = version

    @classmethod
    def load(cls, path: str | None = None) -> FrameDictionary:
        return cls({})

    def find(self, text: str) -> list[dict]:
        """Matches as {frame, term, match, start, end, rejected}."""
        return []
