"""Pausing Python's cyclic garbage collector during bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while checking or importing a plan.

    Both allocate an object or more per element or event, all alive until they
    end, so collections in the middle find nothing to free; they took about a
    sixth of an import's time. Memory is still freed by reference counting; the
    collector runs again afterwards (unless it was off to begin with).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


YOUNG_THRESHOLD = 10_000
"""New objects (net of those freed) between the collector's young collections in a
process that imports plan files: see :func:`collector_for_imports`."""


def collector_for_imports() -> None:
    """Tune the cyclic garbage collector of a process about to import plan files (the
    command line's ``import``, the history benchmark), for the rest of its life.

    What start-up built (modules, the catalogue) lives as long as the process: it is
    frozen out of the collector's sight, so full collections no longer walk it. Young
    collections wait for :data:`YOUNG_THRESHOLD` new objects rather than Python's 700:
    an import leaves a few thousand behind (its plan, cached), so at 700 one ran after
    every check and import, walking all of them; a file's garbage is freed by reference
    counting anyway. Together they took about a tenth of an import's time.
    """
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
