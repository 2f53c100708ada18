"""corpuskit: who says what about an event, and how they frame it.

Turns documents into tidy tables (documents, paragraphs, sentences, quotes, speakers), attributes
statements to speakers, and scores framing and sentiment per speaker.

    >>> import corpuskit
    >>> corpus = corpuskit.read("seeds")
    >>> corpus.quotes[["speaker", "cue", "text"]]
"""

from __future__ import annotations

__version__ = "0.1.0"

# The functions, not their modules, are the package's `contrast` and `kwic`: binding them
# here after the submodules load keeps `corpuskit.contrast(...)` callable.
from corpuskit.contrast import contrast  # noqa: E402
from corpuskit.corpus import Corpus, read  # noqa: E402
from corpuskit.kwic import kwic  # noqa: E402

__all__ = ["Corpus", "read", "__version__", "contrast", "kwic"]


def __getattr__(name: str):
    # Heavier stages load on first use so `import corpuskit` stays quick.
    if name in ("FrameScorer", "SentimentScorer"):
        from corpuskit import scorers

        return getattr(scorers, name)
    if name == "FrameDictionary":
        from corpuskit.frames import FrameDictionary

        return FrameDictionary
    if name == "FrameClassifier":
        from corpuskit.classify import FrameClassifier

        return FrameClassifier
    raise AttributeError(f"module 'corpuskit' has no attribute {name!r}")
