"""Where the attention projections of each architecture live: one table, keyed by the
Hugging Face `model_type`, that head attribution (train/heads.py), head tempering
(convert/temper.py) and nothing else read. No torch here: the table is data, and the
functions take an already loaded model.

A head's output is its slice of the o_proj input: columns `h * head_dim ... (h+1) * head_dim`
of o_proj's weight (o_proj maps n_heads * head_dim to the hidden size in every family listed).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.errors import EdgebenchError


@dataclass(frozen=True)
class AttentionLayout:
    """Module paths relative to the causal LM (`layers`) and to one decoder layer (q, k, v, o)."""

    layers: str
    q: str
    k: str
    v: str
    o: str


_LLAMA = AttentionLayout(layers="model.layers", q="self_attn.q_proj", k="self_attn.k_proj", v="self_attn.v_proj",
                         o="self_attn.o_proj")
_GEMMA3 = AttentionLayout(layers="model.language_model.layers", q="self_attn.q_proj", k="self_attn.k_proj",
                          v="self_attn.v_proj", o="self_attn.o_proj")

# model_type -> layout. Families that share llama's module names are listed one by one: a new
# architecture is added here after checking its modeling file, never guessed.
LAYOUTS: dict[str, AttentionLayout] = {
    "llama": _LLAMA, "mistral": _LLAMA, "qwen2": _LLAMA, "qwen3": _LLAMA, "gemma": _LLAMA, "gemma2": _LLAMA,
    "gemma3_text": _LLAMA, "gemma3": _GEMMA3, "olmo2": _LLAMA, "granite": _LLAMA,
}


@dataclass(frozen=True)
class HeadShape:
    n_layers: int
    n_heads: int
    head_dim: int


def layout_of(config) -> AttentionLayout:
    """The layout for a transformers config; one clear error for an architecture not in the table."""
    layout = LAYOUTS.get(getattr(config, "model_type", None))
    if layout is None:
        raise EdgebenchError(f"attention heads of model type {getattr(config, 'model_type', None)!r} are not mapped; "
                             f"supported: {', '.join(sorted(LAYOUTS))} (edge/attention_layout.py)")
    return layout


def head_shape(config) -> HeadShape:
    """Layers, query heads and head width; Gemma 3 keeps them in its text config."""
    text = getattr(config, "text_config", None) or config
    heads = text.num_attention_heads
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // heads
    return HeadShape(text.num_hidden_layers, heads, head_dim)


def submodule(root, path: str):
    for part in path.split("."):
        root = getattr(root, part)
    return root


def o_proj(model, layer: int):
    """The o_proj module of decoder layer `layer` of a loaded causal LM."""
    layout = layout_of(model.config)
    return submodule(submodule(model, layout.layers)[layer], layout.o)


def check_head(shape: HeadShape, layer: int, head: int) -> None:
    if not (0 <= layer < shape.n_layers and 0 <= head < shape.n_heads):
        raise EdgebenchError(f"head {layer}.{head} does not exist: the model has layers 0-{shape.n_layers - 1} "
                             f"and heads 0-{shape.n_heads - 1} per layer")
