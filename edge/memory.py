"""Peak resident memory of this process, native allocations (llama.cpp, mmap'd weights) included.

On Linux the peak is VmHWM from /proc/self/status: it belongs to the current program image.
getrusage's ru_maxrss would do on a fresh process, but Linux carries the pre-exec high-water
mark of a forked parent into it, so a child started by a 1.7 GB parent would report 1.7 GB.
Elsewhere (macOS) ru_maxrss is used; it is bytes there, kilobytes on Linux.
"""

import resource
import sys
from pathlib import Path

PROC_STATUS = Path("/proc/self/status")


def peak_rss_bytes() -> int:
    try:
        for line in PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
