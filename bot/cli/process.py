"""Process hardening applied once at start-up by `serve` and `worker`."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def make_undumpable() -> bool:
    """Linux: mark this process non-dumpable. Its /proc/<pid>/environ (which holds the App
    key and the webhook secret) then belongs to root, so another process of the same user,
    such as a linter misled into reading it, is refused; no core dump holds them either.
    Children get the default back at exec. Returns whether it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        log.warning("could not mark the process non-dumpable",
                    extra={"errno": ctypes.get_errno()})
        return False
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
