"""Interpreter settings for a server process whose requests take well under a millisecond.

Both were found by measuring `/api/predict` under wrk at one connection (`make bench`). wrk corrects for
coordinated omission, so a single stall of T ms shows up as T/latency requests that waited: one 150 ms
pause in a 10 s run is enough to make the p99.
"""

import contextlib
import ctypes
import gc
import sys


def tune_for_serving() -> None:
    """Call once start-up has imported everything and loaded the model."""
    # The prediction log's flusher thread runs Python code while requests arrive; with the default
    # 5 ms GIL switch interval a request could wait that long (p99 7.2 → 4.3 ms at 0.5 ms).
    sys.setswitchinterval(0.0005)
    # A full (generation 2) collection walks every object the collector tracks: 120-160 ms for the
    # libraries and model loaded at start-up, during which no request is answered (p99 3 → 49 ms in a
    # 10 s run that caught one). Start-up's objects live as long as the process, so collect once and
    # move the survivors to the permanent generation that later collections skip. Objects created
    # afterwards (requests, a swapped-in model) are collected as usual.
    gc.collect()
    gc.freeze()


def release_freed_memory() -> None:
    """Hand freed heap pages back to the operating system (glibc's malloc_trim; a no-op elsewhere).

    A training at scale frees hundreds of megabytes of per-fold copies after each candidate; glibc keeps
    freed pages of its per-thread arenas resident, so without this the process's memory only grows."""
    gc.collect()  # models hold reference cycles: free them before trimming
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
