"""Versions of the lexicons and dictionaries a build used, for the manifest."""

from __future__ import annotations

from importlib import metadata


def versions(dictionary) -> dict:
    """Name, version and content hash of the frame dictionary, rejection cues and VADER."""
    from corpuskit.frames import RejectionRules

    rules = RejectionRules.load()
    return {
        "frames": {
            "name": dictionary.name,
            "version": dictionary.version,
            "sha256": getattr(dictionary, "sha256", ""),
            "frames": list(dictionary.frames),
        },
        "rejection_cues": {"version": rules.version, "sha256": rules.sha256},
        "vaderSentiment": metadata.version("vaderSentiment"),
    }
