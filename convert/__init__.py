"""convert: a model (plus a PEFT adapter) to a verified quant ladder of GGUF, MLX and ONNX artifacts."""
