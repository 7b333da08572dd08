"""Hostile .mlxfn files: truncated, flipped, with lying sizes, unknown
primitives, cycles and ids out of range. Each must raise a Python
exception (or, for changes that leave a valid file, import cleanly): never
crash and never allocate more than the file holds."""

import os
import struct

import pytest

import mlx.core as mx

DATA = os.path.join(os.path.dirname(__file__), "data", "mlxfn")


def small_file():
    with open(os.path.join(DATA, "kwargs.mlxfn"), "rb") as f:
        return f.read()


def try_import(path, data):
    with open(path, "wb") as f:
        f.write(data)
    try:
        fn = mx.import_function(path)
    except (ValueError, RuntimeError, IndexError, TypeError, MemoryError):
        return False
    # It imported: calling it with the traced inputs must work or raise.
    x = mx.ones((3, 4))
    try:
        outs = fn(x, bias=mx.ones(4), scale=mx.array(2.0))
        mx.eval(outs)
    except (ValueError, RuntimeError, IndexError, TypeError, MemoryError):
        pass
    return True


def test_the_small_file_imports(tmp_path):
    assert try_import(str(tmp_path / "f.mlxfn"), small_file())


def test_truncated_at_every_offset(tmp_path):
    data = small_file()
    path = str(tmp_path / "f.mlxfn")
    for n in range(len(data)):
        with open(path, "wb") as f:
            f.write(data[:n])
        with pytest.raises((ValueError, RuntimeError)):
            mx.import_function(path)


def test_every_byte_flipped(tmp_path):
    data = small_file()
    path = str(tmp_path / "f.mlxfn")
    for i in range(len(data)):
        for mask in (0xFF, 0x01):
            mutated = bytearray(data)
            mutated[i] ^= mask
            try_import(path, bytes(mutated))


def test_huge_size_fields(tmp_path):
    data = small_file()
    path = str(tmp_path / "f.mlxfn")
    for i in range(len(data) - 8):
        for value in (2**64 - 1, 2**31 - 1):
            mutated = bytearray(data)
            mutated[i : i + 8] = struct.pack("<Q", value)
            try_import(path, bytes(mutated))


def multiply_file(tmp_path):
    path = str(tmp_path / "m.mlxfn")
    mx.export_function(path, lambda x, y: x * y, mx.ones(2), mx.ones(2))
    with open(path, "rb") as f:
        return f.read()


def node_entry(data):
    """Offsets of the Multiply node's own id and of its two input ids."""
    name = data.index(b"Multiply")
    # ... id | 1 | u64 2 | id_a | id_b | stream (3 x int32) | u64 8 | "Multiply"
    inputs = name - 8 - 12 - 16
    own = inputs - 8 - 1 - 8
    assert data[own + 8] == 1 and struct.unpack("<Q", data[own + 9 : own + 17])[0] == 2
    return own, inputs


def test_unknown_primitive(tmp_path):
    data = multiply_file(tmp_path).replace(b"Multiply", b"Multiplx")
    path = str(tmp_path / "f.mlxfn")
    with open(path, "wb") as f:
        f.write(data)
    with pytest.raises(ValueError, match="Unable to deserialize primitive Multiplx"):
        mx.import_function(path)


def test_cycle_and_ids_out_of_range(tmp_path):
    data = multiply_file(tmp_path)
    own, inputs = node_entry(data)
    path = str(tmp_path / "f.mlxfn")
    for bad_id in (data[own : own + 8], struct.pack("<Q", 12345)):
        mutated = bytearray(data)
        mutated[inputs : inputs + 8] = bad_id  # reads itself, or nothing
        with open(path, "wb") as f:
            f.write(bytes(mutated))
        with pytest.raises(RuntimeError, match="defined nowhere"):
            mx.import_function(path)


def test_lying_constant_size(tmp_path):
    path = str(tmp_path / "c.mlxfn")
    w = mx.arange(4, dtype=mx.float32)
    mx.eval(w)
    mx.export_function(path, lambda x: x + w, mx.ones(4))
    with open(path, "rb") as f:
        data = f.read()
    # The constant's entry (no primitive, constant, shape u64 1 + int32 4,
    # float32) claims 2**30 elements instead.
    at = data.index(b"\x00\x01" + struct.pack("<Qi", 1, 4) + struct.pack("<iB", 10, 4))
    mutated = bytearray(data)
    mutated[at + 10 : at + 14] = struct.pack("<i", 2**30)
    with open(path, "wb") as f:
        f.write(bytes(mutated))
    with pytest.raises(RuntimeError, match="larger than the file"):
        mx.import_function(path)


@pytest.mark.parametrize("name", ["layout", "indexing", "reductions", "linalg"])
def test_flips_in_files_of_many_primitives(name, tmp_path):
    # Every fifth byte of files holding most state layouts, flipped: the
    # function imports and runs on MLX's inputs, or raises.
    import numpy as np

    with open(os.path.join(DATA, name + ".mlxfn"), "rb") as f:
        data = f.read()
    with np.load(os.path.join(DATA, name + ".npz")) as z:
        inputs = [mx.array(z[f"in{k}"]) for k in range(len(z.files)) if f"in{k}" in z.files]
    path = str(tmp_path / "f.mlxfn")
    for i in range(0, len(data), 5):
        mutated = bytearray(data)
        mutated[i] ^= 0xFF
        with open(path, "wb") as f:
            f.write(bytes(mutated))
        try:
            fn = mx.import_function(path)
            mx.eval(fn(*inputs))
        except (ValueError, RuntimeError, IndexError, TypeError, MemoryError):
            pass
