"""Memory bandwidth of this device from a short copy benchmark, and the roofline
efficiency of generation against it.

Generating one token reads (about) every weight once, so the best possible generation
speed is bandwidth / bytes of weights. Efficiency = tok/s x bytes per token / bandwidth:
near 1 means generation is memory-bound and the runtime wastes little; far below 1 means
compute, threading or per-token overhead is in the way. KV-cache reads at depth and the
embedding rows a token skips are ignored, so this is an estimate, labelled as one.
"""

from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

COPY_BYTES = 256 * 2**20  # well beyond any CPU cache, small enough for a Pi


@lru_cache(maxsize=None)  # once per process: a run measures many artifacts on one device
def measure_bandwidth_gbs(size_bytes: int = COPY_BYTES, repetitions: int = 5) -> float:
    """Best-of-N copy bandwidth in GB/s (10^9 bytes), counting the read and the write."""
    source = np.ones(size_bytes // 8, dtype=np.float64)
    target = np.empty_like(source)
    np.copyto(target, source)  # touch the pages before timing
    best = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * source.nbytes / best / 1e9


def roofline(generation_tps: float, bytes_per_token: int, bandwidth_gbs: float) -> dict:
    """Generation efficiency against the memory roofline."""
    ceiling = bandwidth_gbs * 1e9 / bytes_per_token if bytes_per_token else 0.0
    return {
        "bandwidth_gbs": round(bandwidth_gbs, 2),
        "bytes_per_token": bytes_per_token,
        "roofline_tps": round(ceiling, 1),
        "efficiency": round(generation_tps / ceiling, 3) if ceiling else None,
    }
