"""edge: run quantized models on this device, with no torch and no transformers.

Backends live one per module (`edge/llamacpp_backend.py`, ...) behind the interface in
`edge/backend.py`; `edge.backend.open_backend("llamacpp", path, settings)` loads one.
"""
