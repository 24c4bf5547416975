"""Allocator tuning for a process that makes many large, short-lived numpy arrays.

glibc serves every allocation above its mmap threshold (at most 32 MiB) with a fresh ``mmap`` and
returns it with ``munmap`` when freed, so each big temporary of the scoring core and the log
readers faults its pages in afresh and has the kernel zero them. At 10M orders that cost more
system time than the arithmetic. ``keep_freed_memory`` tells glibc to serve large blocks from the
heap and to keep freed heap memory, so the next temporary reuses pages already mapped. Peak
memory is unchanged (the high-water mark is the same); the process simply does not give memory
back before it ends. Elsewhere than glibc on Linux, it does nothing.

glibc also gives each thread that allocates its own arena, and memory freed in one arena cannot
serve another: the scoring threads' temporaries could not reuse what the log readers freed, and
the heap grew by a quarter more than the data it held at 10M orders. One arena serves all
threads here (the core's allocations are few and large, so they do not contend for it).

pyarrow's own pool (jemalloc or mimalloc) would keep a second heap beside glibc's, so memory
freed by the file readers could not serve numpy and the reverse; ``keep_freed_memory`` switches
pyarrow to the system allocator, so both draw on the one heap.

These settings change the whole process, for good. They are applied at the edge only: by a
``repsim score`` process (``sim.commands.score.tune_process``, called by ``sim.cli`` when it runs
as the command itself) and by the benchmarks' child processes; not by other commands, and never
inside a test process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -2, -4, -8


def keep_freed_memory() -> bool:
    """Tune glibc's malloc as described above; True if it was done. Call it before the process
    starts threads (arenas already made are kept)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    return bool(mallopt(_M_MMAP_MAX, 0)  # no mmap for big blocks: they come from the heap
                and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)  # and freed heap memory stays mapped
                and mallopt(_M_TOP_PAD, 64 << 20)  # grow the heap in big steps
                and mallopt(_M_ARENA_MAX, 1))  # one heap for every thread
