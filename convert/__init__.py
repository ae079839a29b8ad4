"""convert: merge an adapter and export GGUF/MLX/ONNX artifacts at a quant ladder.

Not built yet (issue 3). Until then `edgebench run --model FILE.gguf` takes GGUFs
made elsewhere, for example with llama.cpp's own tools.
"""
