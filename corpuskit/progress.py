"""A progress bar on stderr that appears only when a build takes long."""

from __future__ import annotations

import sys
from collections.abc import Iterable


def progress(items: Iterable, total: int, enabled: bool = True) -> Iterable:
    """Wrap `items` in a tqdm bar shown on stderr after two seconds, if enabled."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, file=sys.stderr, delay=2.0, unit="file", leave=False)
