"""train: disposition distillation with PyTorch + PEFT (the paper's pipeline, small enough for a laptop CPU).

teach (teacher answers for the disposition suite's train split) -> filter (the suite's own
scorers keep the good ones and build DPO pairs against the student's failures) -> SFT LoRA
(optionally mixed with logit distillation) -> DPO LoRA. Each stage writes an artifact with a
manifest written last; `edgebench distill` chains them and benchmarks base against trained.
train imports bench (suites, scorers) and edge (backends, hashing), never convert.
"""
