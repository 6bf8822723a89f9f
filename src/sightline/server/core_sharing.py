"""Whether a forward pass has the machine to itself, so that it can take every core, across the server's workers.

A lone request is fastest when its pass runs on all cores; under load, one core per pass wastes less
CPU on handing work between threads. `PassTracker.running()` tells a pass which case it is in when it
starts: alone when no other pass runs in its process and no other process is busy with a detection
(`busy()` spans a whole request, decoding included). The workers see each other through `fcntl`
locks on a shared file, which the kernel drops when a process dies. Measurements behind this:
docs/decisions/0005-workers-and-core-sharing.md.
"""

from __future__ import annotations

import fcntl
import os
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# struct flock on Linux (x86-64 and arm64): l_type, l_whence, l_start, l_len, l_pid, padding. Other
# systems lay it out differently; there each process only sees its own passes.
_FLOCK = "hhqqi4x"
_SHARES_LOCKS = sys.platform == "linux"


class PassTracker:
    """Counts this process's busy requests and passes, and sees other processes sharing `lock_file`."""

    def __init__(self, lock_file: Path | None = None) -> None:
        self.lock_file = lock_file if _SHARES_LOCKS else None
        self._busy = 0
        self._passes = 0
        self._count_lock = threading.Lock()
        self._descriptor: int | None = None
        self._descriptor_pid = 0

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Marks this process as working on a detection for the duration (other processes see it)."""
        with self._count_lock:
            self._busy += 1
            if self._busy == 1:
                self._lock(fcntl.F_RDLCK)
        try:
            yield
        finally:
            with self._count_lock:
                self._busy -= 1
                if self._busy == 0:
                    self._lock(fcntl.F_UNLCK)

    @contextmanager
    def running(self) -> Iterator[bool]:
        """Marks a pass as running; yields True when no other pass runs here and no other process is busy."""
        with self.busy():
            with self._count_lock:
                self._passes += 1
                alone_here = self._passes == 1
            try:
                yield alone_here and not self._other_process_busy()
            finally:
                with self._count_lock:
                    self._passes -= 1

    def _file(self) -> int | None:
        if self.lock_file is None:
            return None
        # A descriptor opened before a fork belongs to the parent's locks; reopen in each process.
        if self._descriptor is None or self._descriptor_pid != os.getpid():
            self._descriptor = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            self._descriptor_pid = os.getpid()
        return self._descriptor

    def _lock(self, kind: int) -> None:
        descriptor = self._file()
        if descriptor is not None:
            fcntl.fcntl(descriptor, fcntl.F_SETLK, struct.pack(_FLOCK, kind, os.SEEK_SET, 0, 1, 0))

    def _other_process_busy(self) -> bool:
        descriptor = self._file()
        if descriptor is None:
            return False
        # Would an exclusive lock conflict? Only another process's shared lock can make it: a
        # process's own locks never conflict with each other.
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 1, 0)
        kind = struct.unpack(_FLOCK, fcntl.fcntl(descriptor, fcntl.F_GETLK, probe))[0]
        return kind != fcntl.F_UNLCK
