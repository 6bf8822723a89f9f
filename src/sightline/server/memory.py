"""What decoding photos may take of a worker's memory, and giving it back to the system afterwards.

A 37 KB GIF can declare 49 megapixels, and decoding it takes about 0.5 GB: sixteen at once took a
server to 8.7 GB. Each worker therefore holds at most `decode_pixels` decoded pixels at a time;
further photos wait for their turn, up to `decode_wait` seconds, and are then refused with 503 and
Retry-After. Why: docs/decisions/0004-slow-clients-and-decode-memory.md; figures in the README.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("sightline.server")

# glibc's mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Decoded photos are allocated in blocks of 16 MB (Pillow) or as one array (NumPy). glibc raises its
# mmap threshold to the size of each such block freed (up to 32 MB), after which the next ones come
# from the heap and stay with the process when freed: a worker kept 6.4 GB after one flood. A fixed
# threshold keeps every large block mapped on its own, returned the moment it is freed.
MMAP_THRESHOLD_BYTES = 1 << 20
ARENA_MAX = 2


class ServerBusyError(RuntimeError):
    """A photo waited all of `wait_seconds` for room in the budget; the client may retry after `retry_after` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PixelBudget:
    """Decoded pixels one worker holds at once, across its request threads."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.in_use = 0
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        """Wait until `pixels` fit beside what other requests hold (a photo over the whole budget
        waits until it is alone), or raise ServerBusyError after `wait_seconds`."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: not self.in_use or self.in_use + pixels <= self.limit, self.wait_seconds
            ):
                raise ServerBusyError(
                    f"the server is decoding {self.in_use / 1e6:.0f} megapixels of other photos and waited "
                    f"{self.wait_seconds:g} s for room for this one's {pixels / 1e6:.1f}; retry shortly",
                    retry_after=max(1, round(self.wait_seconds / 2)),
                )
            self.in_use += pixels
        try:
            yield
        finally:
            with self._changed:
                self.in_use -= pixels
                self._changed.notify_all()


def tune_malloc() -> None:
    """In a worker: a fixed mmap threshold (see above) and few arenas, so freed photos leave the process.

    An operator's own GLIBC_TUNABLES malloc settings are left as they are."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        log.info("malloc left to GLIBC_TUNABLES=%s", os.environ["GLIBC_TUNABLES"])
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    libc.mallopt(_M_ARENA_MAX, ARENA_MAX)
