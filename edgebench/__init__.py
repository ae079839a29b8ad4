"""edgebench: does fine-tuned behaviour survive quantization on the device? (the CLI package)"""

import time

STARTED = time.perf_counter()  # the command's first import: where `edgebench run`'s wall time starts (bench/harness_tax.py)
