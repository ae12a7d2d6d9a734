"""Read one string column of a small Parquet file without pyarrow (the GloVe package's vocabulary).

Just enough of the format for a flat file of one optional or required ``BYTE_ARRAY`` column: the Thrift
compact protocol of its footer and page headers, Snappy or no compression, data pages v1 and v2, PLAIN and
dictionary (RLE / bit-packed hybrid) encodings. Anything else (nested columns, other codecs, nulls) is a
:class:`ParquetError` naming what was found, so a caller can fall back to pyarrow.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

_MAGIC = b"PAR1"
_CODECS = {0: "uncompressed", 1: "snappy"}
_BYTE_ARRAY = 6
_PLAIN, _PLAIN_DICTIONARY, _RLE, _RLE_DICTIONARY = 0, 2, 3, 8
_DATA_PAGE, _DICTIONARY_PAGE, _DATA_PAGE_V2 = 0, 2, 3


class ParquetError(ValueError):
    """A Parquet file this reader does not handle (or a damaged one)."""


class _Thrift:
    """A Thrift compact-protocol reader: structs come back as {field id: value}."""

    def __init__(self, data: bytes | memoryview, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int) -> Any:
        if kind in (1, 2):  # booleans inside a struct carry their value in the type
            return kind == 1
        if kind == 3:
            return self.byte()
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            self.pos += 8
            return struct.unpack_from("<d", self.data, self.pos - 8)[0]
        if kind == 8:
            size = self.varint()
            self.pos += size
            return bytes(self.data[self.pos - size : self.pos])
        if kind in (9, 10):
            header = self.byte()
            size = header >> 4 if header >> 4 != 15 else self.varint()
            element = header & 0x0F
            if element in (1, 2):
                return [self.byte() == 1 for _ in range(size)]
            return [self.value(element) for _ in range(size)]
        if kind == 11:
            size = self.varint()
            if not size:
                return {}
            types = self.byte()
            return {self.value(types >> 4): self.value(types & 0x0F) for _ in range(size)}
        if kind == 12:
            return self.struct()
        raise ParquetError(f"unknown Thrift compact type {kind}")

    def struct(self) -> dict[int, Any]:
        fields: dict[int, Any] = {}
        last = 0
        while True:
            header = self.byte()
            if header == 0:
                return fields
            delta, kind = header >> 4, header & 0x0F
            last = last + delta if delta else self.zigzag()
            fields[last] = self.value(kind)


def snappy_decompress(data: bytes | memoryview) -> bytes:
    """Decompress a raw Snappy block (the format Parquet's SNAPPY codec uses)."""
    reader = _Thrift(data)
    size = reader.varint()
    out = bytearray()
    pos, end = reader.pos, len(data)
    while pos < end:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(data[pos : pos + extra], "little")
                pos += extra
            length += 1
            out += data[pos : pos + length]
            pos += length
            continue
        if kind == 1:
            length = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos : pos + 2], "little")
            pos += 2
        else:
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        if not 0 < offset <= len(out):
            raise ParquetError("damaged Snappy data (a copy reaches before the start)")
        start = len(out) - offset
        if offset >= length:
            out += out[start : start + length]
        else:  # an overlapping copy repeats the last `offset` bytes
            pattern = bytes(out[start:])
            out += (pattern * (length // offset + 1))[:length]
    if len(out) != size:
        raise ParquetError(f"damaged Snappy data ({len(out)} bytes, header says {size})")
    return bytes(out)


def _hybrid(data: bytes | memoryview, bit_width: int, count: int) -> np.ndarray:
    """``count`` values of the RLE / bit-packed hybrid encoding: int64 (count,)."""
    reader = _Thrift(data)
    parts: list[np.ndarray] = []
    have = 0
    weights = (1 << np.arange(bit_width, dtype=np.int64)) if bit_width else None
    while have < count:
        if reader.pos >= len(data):
            raise ParquetError("damaged RLE data (ends early)")
        header = reader.varint()
        if header & 1:  # bit-packed groups of 8 values
            groups = header >> 1
            size = groups * bit_width
            raw = np.frombuffer(bytes(data[reader.pos : reader.pos + size]), dtype=np.uint8)
            reader.pos += size
            if not bit_width:
                part = np.zeros(groups * 8, dtype=np.int64)
            else:
                bits = np.unpackbits(raw, bitorder="little").reshape(-1, bit_width).astype(np.int64)
                part = bits @ weights
        else:
            width = (bit_width + 7) // 8
            value = int.from_bytes(data[reader.pos : reader.pos + width], "little")
            reader.pos += width
            part = np.full(header >> 1, value, dtype=np.int64)
        parts.append(part)
        have += len(part)
    return np.concatenate(parts)[:count] if parts else np.zeros(0, dtype=np.int64)


def _plain_strings(data: bytes | memoryview, count: int) -> list[bytes]:
    values = []
    pos = 0
    for _ in range(count):
        (size,) = struct.unpack_from("<i", data, pos)
        values.append(bytes(data[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return values


def read_string_column(path: str | Path) -> list[str]:
    """The values of the single string column of the Parquet file ``path``, in row order."""
    data = Path(path).read_bytes()
    if len(data) < 12 or data[:4] != _MAGIC or data[-4:] != _MAGIC:
        raise ParquetError(f"{path} is not a Parquet file")
    (footer_size,) = struct.unpack_from("<i", data, len(data) - 8)
    meta = _Thrift(data, len(data) - 8 - footer_size).struct()
    schema = meta.get(2, [])
    leaves = [element for element in schema[1:] if 5 not in element]  # field 5: num_children
    if len(schema) != 2 or len(leaves) != 1 or leaves[0].get(1) != _BYTE_ARRAY:
        raise ParquetError(f"{path}: expected one flat BYTE_ARRAY column")
    optional = leaves[0].get(3, 0) == 1  # repetition_type: 0 required, 1 optional
    words: list[str] = []
    for group in meta.get(4, []):
        (chunk,) = group[1]
        column = chunk[3]
        codec = column.get(4, 0)
        if codec not in _CODECS:
            raise ParquetError(f"{path}: compression codec {codec} is not supported")
        start = column.get(11) or column[9]  # dictionary page first, where there is one
        words += _read_chunk(memoryview(data), start, column[5], codec, optional)
    if len(words) != meta[3]:
        raise ParquetError(f"{path}: read {len(words)} values, the footer says {meta[3]}")
    return words


def _read_chunk(data: memoryview, pos: int, total: int, codec: int, optional: bool) -> list[str]:
    dictionary: list[str] | None = None
    values: list[str] = []
    while len(values) < total:
        reader = _Thrift(data, pos)
        header = reader.struct()
        body = data[reader.pos : reader.pos + header[3]]
        pos = reader.pos + header[3]
        kind = header[1]
        if kind == _DICTIONARY_PAGE:
            page = snappy_decompress(body) if codec else bytes(body)
            dictionary = [word.decode("utf-8") for word in _plain_strings(page, header[7][1])]
            continue
        if kind == _DATA_PAGE:
            info = header[5]
            count, encoding = info[1], info[2]
            page = memoryview(snappy_decompress(body) if codec else bytes(body))
            if optional:
                (size,) = struct.unpack_from("<i", page, 0)
                levels, page = page[4 : 4 + size], page[4 + size :]
        elif kind == _DATA_PAGE_V2:
            info = header[8]
            count, encoding = info[1], info[4]
            if info.get(2, 0):
                raise ParquetError("null values are not supported")
            skip = info.get(5, 0) + info.get(6, 0)
            levels = body[info.get(6, 0) : skip]
            rest = body[skip:]
            page = memoryview(snappy_decompress(rest) if codec and info.get(7, True) else bytes(rest))
        else:
            continue  # an index page: nothing to read
        if optional and not (_hybrid(levels, 1, count) == 1).all():
            raise ParquetError("null values are not supported")
        if encoding == _PLAIN:
            values += [word.decode("utf-8") for word in _plain_strings(page, count)]
        elif encoding in (_PLAIN_DICTIONARY, _RLE_DICTIONARY):
            if dictionary is None:
                raise ParquetError("a dictionary-encoded page without a dictionary page")
            indices = _hybrid(page[1:], page[0], count)
            values += [dictionary[i] for i in indices.tolist()]
        else:
            raise ParquetError(f"value encoding {encoding} is not supported")
    return values


__all__ = ["ParquetError", "read_string_column", "snappy_decompress"]
