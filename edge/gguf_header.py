"""Read a GGUF file's header (metadata and tensor table) fast, without loading its weights.

`gguf.GGUFReader` builds a numpy view for every part of every metadata field: for a model
with a 49k-token vocabulary that is millions of views and about 3.5 s per file on a 2-core
machine, paid each time a run identifies an artifact or a backend opens one. edgebench
needs a few scalar fields and the tensor table, so this walks the header with `struct`,
skipping the token arrays, in a few milliseconds. Layout: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32

# GGUF metadata value types: id -> struct format of one value (None: a string; "array": an array).
VALUE_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 8: None, 9: "array",
                 10: "Q", 11: "q", 12: "d"}


class GGUFFormatError(ValueError):
    """The bytes are not a well-formed GGUF header."""


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int  # from the start of the data section

    @property
    def n_elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    fields: dict  # scalar and string fields; arrays are kept only as their length
    tensors: list[TensorInfo]
    data_offset: int  # where the tensor data starts in the file

    def tensor_end(self) -> int:
        """The byte just past the last tensor's data, from each tensor's type and size."""
        from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

        end = self.data_offset
        for t in self.tensors:
            try:
                block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(t.ggml_type)]
            except (ValueError, KeyError):
                raise GGUFFormatError(f"tensor {t.name} has unknown ggml type {t.ggml_type}")
            end = max(end, self.data_offset + t.offset + t.n_elements // block * type_size)
        return end


class _Cursor:
    def __init__(self, buffer, endian: str) -> None:
        self.buffer, self.pos, self.endian = buffer, 0, endian

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buffer):
            raise GGUFFormatError("the header ends early")
        (value,) = struct.unpack_from(self.endian + fmt, self.buffer, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        start, end = self.skip_string()
        return bytes(self.buffer[start:end]).decode("utf-8", errors="replace")

    def skip_string(self) -> tuple[int, int]:
        """Step over a length-prefixed string; (start, end) of its bytes."""
        length = self.take("Q")
        if self.pos + length > len(self.buffer):
            raise GGUFFormatError("a string runs past the end of the file")
        self.pos += length
        return self.pos - length, self.pos

    def value(self, value_type: int):
        fmt = VALUE_FORMATS.get(value_type, "unknown")
        if fmt == "unknown":
            raise GGUFFormatError(f"unknown metadata value type {value_type}")
        if fmt is None:
            return self.string()
        if fmt != "array":
            return self.take(fmt)
        item_type, count = self.take("I"), self.take("Q")
        item_fmt = VALUE_FORMATS.get(item_type, "unknown")
        if item_fmt in ("unknown", "array"):
            raise GGUFFormatError(f"unsupported array element type {item_type}")
        if item_fmt is None:
            for _ in range(count):  # token strings: walked, not kept
                self.skip_string()
        else:
            size = count * struct.calcsize(item_fmt)
            if self.pos + size > len(self.buffer):
                raise GGUFFormatError("an array runs past the end of the file")
            self.pos += size
        return count


def read_header(path: Path) -> GGUFHeader:
    """Parse the header; GGUFFormatError if it is not a well-formed GGUF."""
    with open(path, "rb") as handle:
        if handle.read(4) != MAGIC:
            raise GGUFFormatError("it does not start with 'GGUF'")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer, memoryview(buffer) as view:
            return _parse(view)


def _parse(buffer) -> GGUFHeader:
    version = struct.unpack_from("<I", buffer, 4)[0]
    endian = "<" if version < 0x10000 else ">"  # a big-endian file reads as a huge little-endian version
    cursor = _Cursor(buffer, endian)
    cursor.pos = 4
    version = cursor.take("I")
    if version not in (2, 3):
        raise GGUFFormatError(f"GGUF version {version} is not supported (2 or 3)")
    n_tensors, n_fields = cursor.take("Q"), cursor.take("Q")
    if n_tensors > len(buffer) or n_fields > len(buffer):
        raise GGUFFormatError("the tensor or field count is larger than the file")
    fields = {}
    for _ in range(n_fields):
        key = cursor.string()
        fields[key] = cursor.value(cursor.take("I"))
    tensors = []
    for _ in range(n_tensors):
        name = cursor.string()
        n_dims = cursor.take("I")
        if n_dims > 8:
            raise GGUFFormatError(f"tensor {name} claims {n_dims} dimensions")
        shape = tuple(cursor.take("Q") for _ in range(n_dims))
        tensors.append(TensorInfo(name, shape, cursor.take("I"), cursor.take("Q")))
    alignment = int(fields.get("general.alignment", DEFAULT_ALIGNMENT)) or DEFAULT_ALIGNMENT
    data_offset = (cursor.pos + alignment - 1) // alignment * alignment
    return GGUFHeader(version, fields, tensors, data_offset)
