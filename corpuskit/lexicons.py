"""Versions of the lexicons and dictionaries a build used, for the manifest."""

from __future__ import annotations

from importlib import metadata


def versions(dictionary) -> dict:
    """Name and version of every lexicon in play."""
    return {
        "frames": {"name": dictionary.name, "version": dictionary.version},
        "vaderSentiment": metadata.version("vaderSentiment"),
    }
