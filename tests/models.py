"""Tiny models for tests, built from a config (nothing can be downloaded here)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def embedded_tokenizer():
    """The embedded model's tokenizer, read from its GGUF once per test process: transformers takes about 9 s
    to build it from a GGUF file, and many tests make a tiny model."""
    from transformers import AutoTokenizer

    from edge.gguf_inspect import default_model_path

    gguf = default_model_path()
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


def tiny_llama(folder: Path, hidden: int, seed: int = 0) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = embedded_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(config)
    with torch.no_grad():  # a spread of logits, so quantization has something to disturb
        for p in model.parameters():
            p.mul_(2.0)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
