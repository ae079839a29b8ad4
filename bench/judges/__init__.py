"""Judges: score an answer for disposition traits. `lexical` is embedded and deterministic."""
