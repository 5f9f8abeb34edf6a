"""Map a function over series chunks locally, with joblib processes, or on Dask."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

BACKENDS = ("local", "joblib", "dask")


def check_backend(backend: str, n_jobs: int) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not one of {BACKENDS}.")
    if not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs={n_jobs!r} must be a positive int or -1 (all cores).")


def chunked(items: Sequence[Any], n_chunks: int) -> list[list[Any]]:
    n_chunks = max(1, min(n_chunks, len(items)))
    size = -(-len(items) // n_chunks)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def parallel_map(func: Callable[[list[Any]], list[Any]], items: Sequence[Any], *,
                 backend: str = "local", n_jobs: int = 1) -> list[Any]:
    """``func`` maps a chunk (list) of items to a list of results; returns all results in
    order. ``backend="local"`` with ``n_jobs=1`` runs in this process; ``"local"`` or
    ``"joblib"`` with ``n_jobs != 1`` uses joblib worker processes; ``"dask"`` submits one
    task per chunk to the current Dask scheduler (e.g. a ``distributed.Client``).

    Warnings raised in worker processes are raised again here, once each. On Dask's
    threaded scheduler they go through the process's warning filters as they happen, and
    may be lost: Python's warning capture (``warnings.catch_warnings``, which model
    libraries use too) is process-wide and races between threads."""
    if not items:
        return []
    if backend != "dask" and n_jobs == 1:
        return list(func(list(items)))
    # in other processes (or Dask's threads) a warning would be lost or printed outside
    # the caller's warning filters: each chunk brings its warnings back, raised here once
    recording = _Recording(func)
    if backend == "dask":
        from routing_ml.errors import require

        dask = require("dask", None)
        chunks = chunked(items, max(n_jobs, 1) * 4 if n_jobs != -1 else 16)
        # on Dask's threads, warnings.catch_warnings (process-wide) would race: a thread
        # records, a process returns what it caught
        parts = dask.compute(*[dask.delayed(_record_in_process)(recording, c) for c in chunks])
        logger.debug("dask: %d chunks done", len(chunks))
    else:
        from joblib import Parallel, delayed

        workers = n_jobs if n_jobs > 0 else -1
        chunks = chunked(items, 4 * (n_jobs if n_jobs > 0 else 4))
        parts = Parallel(n_jobs=workers, backend="loky")(delayed(recording)(c) for c in chunks)
    seen: set[tuple[str, str]] = set()
    for _results, caught in parts:
        for category, message in caught:
            if (category.__name__, message) not in seen:
                seen.add((category.__name__, message))
                warnings.warn(message, category, stacklevel=3)
    return [r for part, _caught in parts for r in part]


def _record_in_process(recording: _Recording, chunk: list[Any]
                       ) -> tuple[list[Any], list[tuple[type[Warning], str]]]:
    """``recording(chunk)`` in a worker process; on a thread of this process the chunk
    runs as is (its warnings reach the caller's filters directly)."""
    import multiprocessing
    import threading

    if multiprocessing.parent_process() is None and threading.current_thread() \
            is not threading.main_thread():
        return recording.func(chunk), []
    return recording(chunk)


class _Recording:
    """``func`` of a chunk, returning its results and the warnings it raised
    (``(category, message)`` pairs; picklable for joblib and Dask)."""

    def __init__(self, func: Callable[[list[Any]], list[Any]]) -> None:
        self.func = func

    def __call__(self, chunk: list[Any]) -> tuple[list[Any], list[tuple[type[Warning], str]]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = self.func(chunk)
        return results, [(w.category, str(w.message)) for w in caught]
