"""Peak resident memory of this process, native allocations (llama.cpp, mmap'd weights) included."""

import resource
import sys


def peak_rss_bytes() -> int:
    """getrusage's ru_maxrss: kilobytes on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
