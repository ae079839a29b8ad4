"""Quantize a GGUF with llama.cpp's own quantizer: python -m convert.quantize IN OUT TYPE THREADS.

Run as a child process so llama.cpp's log lines go to the conversion log, not the terminal.
"""

from __future__ import annotations

import sys


def main(src: str, dst: str, quant: str, threads: str) -> int:
    import llama_cpp

    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quant}", None)
    if ftype is None:
        print(f"llama.cpp has no quant type {quant}", file=sys.stderr)
        return 2
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = int(threads)
    return int(llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
