"""The fast GGUF header reader agrees with gguf's own GGUFReader, and refuses damaged files clearly."""

from __future__ import annotations

import os
import struct

import pytest

from edge.errors import EdgebenchError
from edge.gguf_header import read_header
from edge.gguf_inspect import inspect_gguf


def test_agrees_with_gguf_reader(default_gguf):
    from gguf import GGUFReader

    reader = GGUFReader(default_gguf)
    header = read_header(default_gguf)
    assert header.data_offset == reader.data_offset
    assert [t.name for t in header.tensors] == [t.name for t in reader.tensors]
    assert [t.n_elements for t in header.tensors] == [int(t.n_elements) for t in reader.tensors]
    assert header.tensor_end() == max(t.data_offset + int(t.n_bytes) for t in reader.tensors)
    for key in ("general.architecture", "general.name", "general.file_type", "tokenizer.chat_template"):
        assert header.fields[key] == reader.get_field(key).contents(), key
    assert header.fields["tokenizer.ggml.tokens"] == len(reader.get_field("tokenizer.ggml.tokens").data)
    info = inspect_gguf(default_gguf)
    assert info.file_type == "Q4_1" and info.architecture == "llama" and "im_start" in info.chat_template


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[:4] + struct.pack("<I", 99) + data[8:], "version 99"),
    (lambda data: data[:24] + struct.pack("<Q", 2**40) + data[32:], "damaged GGUF"),  # the field count
    (lambda data: data[:200], "damaged GGUF"),
    (lambda data: data[:4] + os.urandom(4096), "damaged GGUF"),
    (lambda data: data[: len(data) - 1000], "truncated"),
    (lambda data: b"GGML" + data[4:], "not a GGUF file"),
])
def test_damaged_files_are_one_clear_error(default_gguf, tmp_path, damage, message):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(damage(default_gguf.read_bytes()))
    with pytest.raises(EdgebenchError, match=message):
        inspect_gguf(bad)
