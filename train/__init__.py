"""train: SFT/DPO LoRA disposition distillation with PyTorch + PEFT.

Not built yet; see DESIGN.md. Nothing in edgebench imports it today.
"""
