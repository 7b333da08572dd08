"""mx.save / mx.load / savez / savez_compressed / save_safetensors / save_gguf.

Files we write are read back by NumPy, the safetensors package and the gguf
package; files they write are read by us. Error types and messages follow
MLX 0.32.4 (read off it by hand; the tests never import MLX). Malformed and
truncated files must raise, never crash.

Only the tests that call the safetensors or gguf package need it (marked
needs_safetensors / needs_gguf); the rest run without them.
"""

import io
import json
import os
import pathlib
import struct
import zipfile

import numpy as np
import pytest

import mlx.core as mx
from helpers import write_gguf

try:
    import gguf
except ImportError:
    gguf = None
try:
    import safetensors.numpy as safetensors_numpy
except ImportError:
    safetensors_numpy = None

needs_gguf = pytest.mark.skipif(gguf is None, reason="needs the gguf package")
needs_safetensors = pytest.mark.skipif(safetensors_numpy is None, reason="needs the safetensors package")

ALL_DTYPES = [
    mx.bool_,
    mx.uint8,
    mx.uint16,
    mx.uint32,
    mx.uint64,
    mx.int8,
    mx.int16,
    mx.int32,
    mx.int64,
    mx.float16,
    mx.bfloat16,
    mx.float32,
    mx.float64,
    mx.complex64,
]
SHAPES = [(), (0,), (5,), (2, 3), (2, 0, 3), (2, 3, 4)]
# dtypes save_gguf accepts for tensors.
GGUF_DTYPES = [mx.int8, mx.int16, mx.int32, mx.int64, mx.float16, mx.bfloat16, mx.float32, mx.float64]


def sample(shape, dtype, seed=0):
    """Values of every dtype with a recognisable pattern (and negatives)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == mx.bool_:
        return mx.array(rng.integers(0, 2, size=shape).astype(bool))
    if dtype == mx.complex64:
        v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        return mx.array(v.reshape(shape).astype(np.complex64))
    if dtype in (mx.float16, mx.bfloat16, mx.float32, mx.float64):
        v = rng.standard_normal(n) * 100
        if dtype == mx.float64:
            return mx.array(v.reshape(shape), dtype=mx.float64)
        return mx.array(v.reshape(shape).astype(np.float32)).astype(dtype)
    info = np.iinfo(np.dtype(str(dtype).split(".")[-1]))
    v = rng.integers(info.min, info.max, size=n, dtype=np.dtype(str(dtype).split(".")[-1]), endpoint=True)
    return mx.array(v.reshape(shape))


def bits(a):
    """The exact bits of an array (NaN-safe, bfloat16 included) as NumPy."""
    if a.dtype == mx.bfloat16:
        return np.array(a.view(mx.uint16))
    return np.array(a)


def assert_same(a, b):
    assert isinstance(b, mx.array)
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(bits(a), bits(b))


def name(dtype):
    return str(dtype).split(".")[-1]


# ------------------------------------------------------------------- .npy


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_npy_round_trip(tmp_path, dtype, shape):
    a = sample(shape, dtype)
    path = str(tmp_path / "a.npy")
    mx.save(path, a)
    assert_same(a, mx.load(path))
    if dtype != mx.bfloat16:
        ref = np.load(path)
        assert ref.dtype == np.array(a).dtype
        np.testing.assert_array_equal(ref, np.array(a))


@pytest.mark.parametrize(
    "np_dtype",
    [
        "?",
        "u1",
        "<u2",
        "<u4",
        "<u8",
        "i1",
        "<i2",
        "<i4",
        "<i8",
        "<f2",
        "<f4",
        "<f8",
        "<c8",
        ">u2",
        ">i4",
        ">f4",
        ">f8",
        ">c8",
        ">i8",
    ],
)
def test_npy_written_by_numpy(tmp_path, np_dtype):
    ref = (np.arange(24).reshape(2, 3, 4) * 3 - 7).astype(np_dtype)
    path = tmp_path / "n.npy"
    np.save(path, ref)
    out = mx.load(str(path))
    np.testing.assert_array_equal(np.array(out), ref)
    assert np.array(out).dtype == ref.dtype.newbyteorder("=")


def test_npy_fortran_order_and_versions(tmp_path):
    ref = np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    np.save(tmp_path / "f.npy", ref)
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "f.npy"))), ref)
    for version in [(1, 0), (2, 0), (3, 0)]:
        p = tmp_path / f"v{version[0]}.npy"
        with open(p, "wb") as f:
            np.lib.format.write_array(f, np.arange(5, dtype=np.int16), version=version)
        np.testing.assert_array_equal(np.array(mx.load(str(p))), np.arange(5))


def test_npy_zero_d_and_empty_from_numpy(tmp_path):
    np.save(tmp_path / "z.npy", np.float32(3.5))
    z = mx.load(str(tmp_path / "z.npy"))
    assert z.shape == () and z.item() == 3.5
    np.save(tmp_path / "e.npy", np.zeros((0, 3), np.int64))
    e = mx.load(str(tmp_path / "e.npy"))
    assert e.shape == (0, 3) and e.dtype == mx.int64


def layouts():
    base = mx.arange(60, dtype=mx.float32).reshape(3, 4, 5)
    return {
        "transposed": base.transpose(2, 0, 1),
        "matrix_T": base[0].T,
        "sliced": base[:, ::2, 1:4],
        "reversed": base[::-1],
        "broadcast": mx.broadcast_to(mx.array([1.0, 2.0, 3.0]), (4, 3)),
        "lazy": base * 2 + 1,
    }


@pytest.mark.parametrize("layout", list(layouts()))
def test_non_contiguous_arrays_are_written_correctly(tmp_path, layout):
    a = layouts()[layout]
    expected = np.array(a)
    mx.save(str(tmp_path / "a.npy"), a)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), expected)
    mx.savez(str(tmp_path / "a.npz"), x=a)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npz")["x"], expected)
    mx.save_safetensors(str(tmp_path / "a.safetensors"), {"x": a})
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "a.safetensors"))["x"]), expected)
    mx.save_gguf(str(tmp_path / "a.gguf"), {"x": a})
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "a.gguf"))["x"]), expected)


@needs_safetensors
@pytest.mark.parametrize("layout", list(layouts()))
def test_non_contiguous_arrays_read_by_safetensors_package(tmp_path, layout):
    a = layouts()[layout]
    mx.save_safetensors(str(tmp_path / "a.safetensors"), {"x": a})
    np.testing.assert_array_equal(safetensors_numpy.load_file(tmp_path / "a.safetensors")["x"], np.array(a))


def test_save_appends_extension(tmp_path):
    a = mx.arange(3)
    mx.save(str(tmp_path / "plain"), a)
    mx.save(str(tmp_path / "x.txt"), a)
    mx.savez(str(tmp_path / "z.foo"), a)
    mx.save_safetensors(str(tmp_path / "s"), {"a": a})
    mx.save_gguf(str(tmp_path / "g"), {"a": a})
    assert sorted(os.listdir(tmp_path)) == ["g.gguf", "plain.npy", "s.safetensors", "x.txt.npy", "z.foo.npz"]


def test_paths_and_file_objects(tmp_path):
    a = mx.arange(6).reshape(2, 3)
    mx.save(tmp_path / "p.npy", a)
    assert_same(a, mx.load(tmp_path / "p.npy"))
    assert_same(a, mx.load(pathlib.Path(tmp_path / "p.npy")))
    for fmt, save in [
        ("npy", lambda f: mx.save(f, a)),
        ("npz", lambda f: mx.savez(f, x=a)),
        ("safetensors", lambda f: mx.save_safetensors(f, {"x": a})),
        ("gguf", lambda f: mx.save_gguf(f, {"x": a})),
    ]:
        buf = io.BytesIO()
        save(buf)
        buf.seek(0)
        out = mx.load(buf, format=fmt)
        assert_same(a, out if fmt == "npy" else out["x"])
    # An open file names its format through .name.
    with open(tmp_path / "p.npy", "rb") as f:
        assert_same(a, mx.load(f))
    with pytest.raises(AttributeError):
        mx.load(io.BytesIO(b""))


class ReadOnlyStream:
    """A file object with read/seek/tell but no readinto."""

    def __init__(self, data):
        self._b = io.BytesIO(data)

    def read(self, n=-1):
        return self._b.read(n)

    def seek(self, pos, whence=0):
        return self._b.seek(pos, whence)

    def tell(self):
        return self._b.tell()


def test_file_objects_read_from_their_position(tmp_path):
    a = mx.arange(10, dtype=mx.int16)
    buf = io.BytesIO()
    buf.write(b"PREFIX")
    mx.save_safetensors(buf, {"a": a}, {"m": "x"})
    buf.seek(6)
    arrays, meta = mx.load(buf, format="safetensors", return_metadata=True)
    assert_same(a, arrays["a"]) and meta == {"m": "x"}
    raw = io.BytesIO()
    mx.save(raw, a)
    assert_same(a, mx.load(ReadOnlyStream(raw.getvalue()), format="npy"))
    with pytest.raises(RuntimeError):
        mx.load(ReadOnlyStream(raw.getvalue()[:-3]), format="npy")


# ------------------------------------------------------------------- .npz


def test_savez_names_and_numpy_reads_it(tmp_path):
    a, b = mx.arange(4), mx.ones((2, 2), mx.float16)
    mx.savez(str(tmp_path / "z.npz"), a, b, c=a * 2)
    with np.load(tmp_path / "z.npz") as f:
        assert sorted(f.files) == ["arr_0", "arr_1", "c"]
        np.testing.assert_array_equal(f["arr_1"], np.ones((2, 2), np.float16))
    out = mx.load(str(tmp_path / "z.npz"))
    assert sorted(out) == ["arr_0", "arr_1", "c"]
    assert_same(a * 2, out["c"])
    # Stored entries, as NumPy's savez writes them; CRCs check out.
    with zipfile.ZipFile(tmp_path / "z.npz") as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        assert z.testzip() is None


def test_savez_compressed(tmp_path):
    big = mx.zeros((256, 256))
    mx.savez_compressed(str(tmp_path / "c.npz"), big, small=mx.arange(3))
    assert os.path.getsize(tmp_path / "c.npz") < big.nbytes // 20
    with zipfile.ZipFile(tmp_path / "c.npz") as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        assert z.testzip() is None
    with np.load(tmp_path / "c.npz") as f:
        np.testing.assert_array_equal(f["arr_0"], np.zeros((256, 256), np.float32))
    out = mx.load(str(tmp_path / "c.npz"))
    assert_same(big, out["arr_0"])
    assert_same(mx.arange(3), out["small"])


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_npz_round_trip_dtypes(tmp_path, dtype):
    arrays = {f"s{i}": sample(s, dtype, i) for i, s in enumerate(SHAPES)}
    for compressed in [False, True]:
        save = mx.savez_compressed if compressed else mx.savez
        save(str(tmp_path / "d.npz"), **arrays)
        out = mx.load(str(tmp_path / "d.npz"))
        assert sorted(out) == sorted(arrays)
        for k in arrays:
            assert_same(arrays[k], out[k])


def test_npz_written_by_numpy(tmp_path):
    ref = {
        "x": np.arange(1000.0),
        "y": np.ones((3, 3), np.float16),
        "z": np.array(True),
        "w": np.zeros((0, 2), np.uint8),
    }
    np.savez(tmp_path / "a.npz", **ref)
    np.savez_compressed(tmp_path / "b.npz", **ref)
    for p in ["a.npz", "b.npz"]:
        out = mx.load(str(tmp_path / p))
        assert sorted(out) == sorted(ref)
        for k, v in ref.items():
            np.testing.assert_array_equal(np.array(out[k]), v)
            assert np.array(out[k]).dtype == v.dtype


def test_savez_errors_and_signature(tmp_path):
    a = mx.arange(3)
    with pytest.raises(ValueError, match=r"\[savez\] Cannot use un-named variables and keyword arr_0"):
        mx.savez(str(tmp_path / "x.npz"), a, arr_0=a)
    mx.savez(file=str(tmp_path / "k.npz"), x=a)  # file may be a keyword for savez
    with pytest.raises(TypeError):
        mx.savez_compressed(file=str(tmp_path / "k2.npz"))  # but is positional-only here
    with pytest.raises(FileNotFoundError):
        mx.savez(str(tmp_path / "missing_dir" / "x.npz"), a)
    mx.savez(str(tmp_path / "e.npz"))
    assert mx.load(str(tmp_path / "e.npz")) == {}


def test_savez_unicode_and_slashed_names(tmp_path):
    a = mx.arange(3)
    mx.savez(str(tmp_path / "u.npz"), **{"a/b": a, "é": a})
    with np.load(tmp_path / "u.npz") as f:
        assert sorted(f.files) == ["a/b", "é"]
    assert sorted(mx.load(str(tmp_path / "u.npz"))) == ["a/b", "é"]


# ----------------------------------------------------------- .safetensors


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_safetensors_round_trip(tmp_path, dtype):
    arrays = {f"t{i}": sample(s, dtype, i) for i, s in enumerate(SHAPES)}
    path = str(tmp_path / "m.safetensors")
    mx.save_safetensors(path, arrays)
    out = mx.load(path)
    assert sorted(out) == sorted(arrays)
    for k in arrays:
        assert_same(arrays[k], out[k])


@needs_safetensors
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_safetensors_read_by_package(tmp_path, dtype):
    arrays = {f"t{i}": sample(s, dtype, i) for i, s in enumerate(SHAPES)}
    path = str(tmp_path / "m.safetensors")
    mx.save_safetensors(path, arrays)
    if dtype != mx.bfloat16:
        ref = safetensors_numpy.load_file(path)
        for k in arrays:
            np.testing.assert_array_equal(ref[k], np.array(arrays[k]))
            assert ref[k].dtype == np.array(arrays[k]).dtype
    else:
        # NumPy has no bfloat16: check the header the package would read.
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
        assert header["t2"]["dtype"] == "BF16" and header["t2"]["shape"] == [5]


@needs_safetensors
def test_safetensors_written_by_package(tmp_path):
    ref = {
        "f64": np.arange(3, dtype=np.float64),
        "b": np.array([True, False]),
        "c": (np.arange(4) + 1j).astype(np.complex64),
        "i": np.arange(12, dtype=np.int16).reshape(3, 4),
        "s": np.array(2.5, np.float32),
        "e": np.zeros((2, 0), np.uint32),
    }
    safetensors_numpy.save_file(ref, tmp_path / "p.safetensors", metadata={"format": "np", "x": "y"})
    arrays, meta = mx.load(str(tmp_path / "p.safetensors"), return_metadata=True)
    assert meta == {"format": "np", "x": "y"}
    for k, v in ref.items():
        np.testing.assert_array_equal(np.array(arrays[k]), v)
        assert arrays[k].shape == v.shape


def test_safetensors_metadata(tmp_path):
    a = mx.arange(3)
    path = str(tmp_path / "m.safetensors")
    meta = {"format": "mlx", 'quote"and\\slash': "line\nbreak é ✓"}
    mx.save_safetensors(path, {"a": a}, meta)
    arrays, got = mx.load(path, return_metadata=True)
    assert got == meta
    assert_same(a, arrays["a"])
    mx.save_safetensors(path, {"a": a})
    assert mx.load(path, return_metadata=True)[1] == {}
    with pytest.raises(ValueError, match=r"\[save_safetensors\] Metadata must be a dictionary"):
        mx.save_safetensors(path, {"a": a}, {"k": 1})
    with pytest.raises(ValueError, match=r"\[save_safetensors\] Metadata must be a dictionary"):
        mx.save_safetensors(path, {"a": a}, {1: "v"})
    with pytest.raises(TypeError):
        mx.save_safetensors(path, [a])


@needs_safetensors
def test_safetensors_metadata_read_by_package(tmp_path):
    from safetensors import safe_open

    path = str(tmp_path / "m.safetensors")
    meta = {"format": "mlx", 'quote"and\\slash': "line\nbreak é ✓"}
    mx.save_safetensors(path, {"a": mx.arange(3)}, meta)
    with safe_open(path, framework="numpy") as f:
        assert f.metadata() == meta


# ------------------------------------------------------------------ .gguf


@pytest.mark.parametrize("dtype", GGUF_DTYPES, ids=name)
def test_gguf_round_trip(tmp_path, dtype):
    arrays = {f"t{i}": sample(s, dtype, i) for i, s in enumerate(SHAPES)}
    path = str(tmp_path / "m.gguf")
    mx.save_gguf(path, arrays)
    out = mx.load(path)
    assert sorted(out) == sorted(arrays)
    for k in arrays:
        assert_same(arrays[k], out[k])


@needs_gguf
@pytest.mark.parametrize("dtype", GGUF_DTYPES, ids=name)
def test_gguf_read_by_gguf_reader(tmp_path, dtype):
    arrays = {f"t{i}": sample(s, dtype, i) for i, s in enumerate(SHAPES)}
    if dtype == mx.bfloat16:
        # The gguf package cannot shape 0-d tensors of BF16 type.
        arrays = {k: v for k, v in arrays.items() if v.ndim > 0}
    path = str(tmp_path / "m.gguf")
    mx.save_gguf(path, arrays)
    reader = gguf.GGUFReader(path)
    by_name = {t.name: t for t in reader.tensors}
    for k, a in arrays.items():
        t = by_name[k]
        # GGUF lists dims fastest-varying first.
        assert list(t.shape) == list(reversed(a.shape))
        if dtype == mx.bfloat16:
            np.testing.assert_array_equal(t.data.view(np.uint16).reshape(a.shape), bits(a))
        else:
            np.testing.assert_array_equal(t.data.reshape(a.shape), np.array(a))


@pytest.mark.parametrize("dtype", [mx.bool_, mx.uint8, mx.uint32, mx.complex64], ids=name)
def test_gguf_unsupported_tensor_dtypes(tmp_path, dtype):
    with pytest.raises(RuntimeError, match=r"\[save_gguf\] dtype .* is not supported"):
        mx.save_gguf(str(tmp_path / "x.gguf"), {"a": mx.zeros(3, dtype)})


def gguf_metadata():
    return {
        "s": "hello é",
        "l": ["a", "bc", ""],
        "empty_list": [],
        "i": mx.array(3),
        "u8": mx.array(2, mx.uint8),
        "b": mx.array(True),
        "f": mx.array([1.5, 2.0]),
        "i64": mx.array([1, -2], mx.int64),
        "u64": mx.array([2**40 + 7], mx.uint64),
        "bools": mx.array([True, False]),
    }


def test_gguf_metadata_round_trip(tmp_path):
    meta = gguf_metadata()
    path = str(tmp_path / "m.gguf")
    mx.save_gguf(path, {"w": mx.ones((2, 2))}, meta)
    arrays, got = mx.load(path, return_metadata=True)
    assert sorted(got) == sorted(meta)
    for k, v in meta.items():
        if isinstance(v, mx.array):
            assert_same(v, got[k])
        else:
            assert got[k] == v


@needs_gguf
def test_gguf_metadata_read_by_gguf_reader(tmp_path):
    path = str(tmp_path / "m.gguf")
    mx.save_gguf(path, {"w": mx.ones((2, 2))}, gguf_metadata())
    fields = gguf.GGUFReader(path).fields
    assert fields["s"].contents() == "hello é"
    assert fields["l"].contents() == ["a", "bc", ""]
    assert fields["i"].contents() == 3
    assert fields["f"].contents() == [1.5, 2.0]


def test_gguf_metadata_errors(tmp_path):
    path = str(tmp_path / "m.gguf")
    w = {"w": mx.ones(2)}
    with pytest.raises(RuntimeError, match="more than one dimension"):
        mx.save_gguf(path, w, {"m": mx.ones((2, 2))})
    with pytest.raises(RuntimeError, match="Cannot save empty arrays"):
        mx.save_gguf(path, w, {"m": mx.array([], mx.float32)})
    for dtype in [mx.float16, mx.float64, mx.bfloat16, mx.complex64]:
        with pytest.raises(ValueError, match="not support for metadata"):
            mx.save_gguf(path, w, {"m": mx.ones(2, dtype)})
    with pytest.raises(RuntimeError):
        mx.save_gguf(path, w, {"m": 1})
    with pytest.raises(RuntimeError):
        mx.save_gguf(path, w, {"m": [1, 2]})


@needs_gguf
def test_gguf_written_by_package(tmp_path):
    path = str(tmp_path / "p.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_uint8("u8", 5)
    w.add_int8("i8", -5)
    w.add_uint16("u16", 7)
    w.add_int16("i16", -7)
    w.add_uint32("u32", 9)
    w.add_int32("i32", -9)
    w.add_float32("f32", 1.5)
    w.add_uint64("u64", 11)
    w.add_int64("i64", -11)
    w.add_float64("f64", 2.5)
    w.add_bool("b", True)
    w.add_string("s", "hello")
    w.add_array("ai", [1, 2, 3])
    w.add_array("af", [1.5, 2.5])
    w.add_array("as", ["x", "yz"])
    w.add_array("ab", [True, False])
    tensors = {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f16": np.arange(6, dtype=np.float16).reshape(3, 2),
        "i8": np.arange(4, dtype=np.int8),
        "i16": np.arange(4, dtype=np.int16),
        "i32": np.arange(4, dtype=np.int32),
        "i64": np.arange(4, dtype=np.int64),
        "f64": np.arange(4, dtype=np.float64),
        "t3": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    }
    for k, v in tensors.items():
        w.add_tensor(k, v)
    bf16 = np.array([1.0, -2.0, 3.5], np.float32).view(np.uint32) >> 16
    w.add_tensor("bf16", bf16.astype(np.uint16), raw_dtype=gguf.GGMLQuantizationType.BF16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    arrays, meta = mx.load(path, return_metadata=True)
    for k, v in tensors.items():
        np.testing.assert_array_equal(np.array(arrays[k]), v)
        assert np.array(arrays[k]).dtype == v.dtype
    assert arrays["bf16"].dtype == mx.bfloat16
    assert arrays["bf16"].tolist() == [1.0, -2.0, 3.5]
    assert meta["general.architecture"] == "llama"
    expected = {
        "u8": (5, mx.uint8),
        "i8": (-5, mx.int8),
        "u16": (7, mx.uint16),
        "i16": (-7, mx.int16),
        "u32": (9, mx.uint32),
        "i32": (-9, mx.int32),
        "f32": (1.5, mx.float32),
        "u64": (11, mx.uint64),
        "i64": (-11, mx.int64),
        "f64": (2.5, mx.float32),
        "b": (True, mx.bool_),
    }
    for k, (v, dt) in expected.items():
        assert meta[k].shape == () and meta[k].dtype == dt and meta[k].item() == v
    assert meta["s"] == "hello"
    assert meta["as"] == ["x", "yz"]
    assert meta["ai"].tolist() == [1, 2, 3] and meta["ai"].dtype == mx.int32
    assert meta["af"].tolist() == [1.5, 2.5]
    assert meta["ab"].tolist() == [True, False]


def test_gguf_empty(tmp_path):
    mx.save_gguf(str(tmp_path / "e.gguf"), {})
    assert mx.load(str(tmp_path / "e.gguf"), return_metadata=True) == ({}, {})


# -------------------------------------------------------- load dispatching


def test_load_format_errors(tmp_path):
    mx.save(str(tmp_path / "a.npy"), mx.arange(3))
    with pytest.raises(ValueError, match=r"\[load\] Could not infer file format from extension"):
        mx.load(str(tmp_path / "noext"))
    with pytest.raises(ValueError, match=r"\[load\] Unknown file format xyz"):
        mx.load(str(tmp_path / "a.npy"), format="xyz")
    with pytest.raises(ValueError, match=r"\[load\] Unknown file format NPY"):
        mx.load(str(tmp_path / "a.npy"), format="NPY")
    with pytest.raises(ValueError, match=r"\[load\] metadata not supported for format npy"):
        mx.load(str(tmp_path / "a.npy"), return_metadata=True)
    with pytest.raises(ValueError, match=r"\[load\] metadata not supported for format npz"):
        mx.load(str(tmp_path / "a.npy"), format="npz", return_metadata=True)
    with pytest.raises(ValueError, match=r"\[load\] Input must be a file-like object"):
        mx.load(3)
    with pytest.raises(TypeError):
        mx.load(file=str(tmp_path / "a.npy"))  # positional-only
    # A .npy read as npz is not a zip; an npz read as npy has no npy header.
    with pytest.raises(ValueError, match=r"\[load_npz\]"):
        mx.load(str(tmp_path / "a.npy"), format="npz")
    mx.savez(str(tmp_path / "z.npz"), mx.arange(3))
    with pytest.raises(RuntimeError, match=r"\[load\] Invalid header"):
        mx.load(str(tmp_path / "z.npz"), format="npy")
    assert mx.load(str(tmp_path / "a.npy"), stream=mx.cpu).tolist() == [0, 1, 2]
    if not mx.is_available(mx.gpu):
        with pytest.raises(ValueError, match="gpu"):
            mx.load(str(tmp_path / "a.npy"), stream=mx.gpu)


def test_missing_files(tmp_path):
    with pytest.raises(RuntimeError, match=r"\[load\] Failed to open file"):
        mx.load(str(tmp_path / "nope.npy"))
    with pytest.raises(RuntimeError, match=r"\[load_safetensors\] Failed to open file"):
        mx.load(str(tmp_path / "nope.safetensors"))
    with pytest.raises(ValueError, match=r"\[load_gguf\] Failed to open"):
        mx.load(str(tmp_path / "nope.gguf"))
    with pytest.raises(ValueError, match=r"\[load_npz\]"):
        mx.load(str(tmp_path / "nope.npz"))
    with pytest.raises(RuntimeError, match=r"\[save\] Failed to open file"):
        mx.save(str(tmp_path / "no" / "x.npy"), mx.arange(2))
    with pytest.raises(RuntimeError, match=r"\[save_safetensors\] Failed to open file"):
        mx.save_safetensors(str(tmp_path / "no" / "x.safetensors"), {"a": mx.arange(2)})
    with pytest.raises(RuntimeError, match=r"\[save_gguf\]"):
        mx.save_gguf(str(tmp_path / "no" / "x.gguf"), {"a": mx.arange(2)})


def test_save_rejects_non_arrays(tmp_path):
    with pytest.raises(TypeError):
        mx.save(str(tmp_path / "x.npy"), np.arange(3))
    with pytest.raises(RuntimeError):
        mx.savez(str(tmp_path / "x.npz"), np.arange(3))
    with pytest.raises(RuntimeError):
        mx.save_safetensors(str(tmp_path / "x.safetensors"), {"a": np.arange(3)})


# ------------------------------------------------- malformed and truncated


def load_error(path, **kw):
    """Loading (or evaluating what it returns: .npy data is read lazily, as
    MLX) must raise ValueError or RuntimeError, never crash."""
    with pytest.raises((ValueError, RuntimeError)) as e:
        mx.eval(mx.load(str(path), **kw))
    return str(e.value)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def make_files(tmp_path):
    a = mx.arange(24, dtype=mx.float32).reshape(2, 3, 4)
    mx.save(str(tmp_path / "v.npy"), a)
    mx.savez(str(tmp_path / "v.npz"), a, b=mx.arange(5))
    mx.savez_compressed(str(tmp_path / "c.npz"), a, b=mx.arange(5))
    mx.save_safetensors(str(tmp_path / "v.safetensors"), {"a": a, "b": mx.arange(5)}, {"k": "v"})
    mx.save_gguf(
        str(tmp_path / "v.gguf"),
        {"a": a, "b": mx.arange(5)},
        {"s": "x", "l": ["p", "q"], "n": mx.array([1, 2])},
    )
    return ["v.npy", "v.npz", "c.npz", "v.safetensors", "v.gguf"]


# The gguf package says where the last tensor ends: the padding after it is
# not needed to load the file.
@pytest.mark.parametrize(
    "fname", ["v.npy", "v.npz", "c.npz", "v.safetensors", pytest.param("v.gguf", marks=needs_gguf)]
)
def test_every_truncation_raises(tmp_path, fname):
    assert fname in make_files(tmp_path)
    data = open(tmp_path / fname, "rb").read()
    ext = fname.split(".")[-1]
    needed = len(data)
    if ext == "gguf":
        needed = max(t.data_offset + t.n_bytes for t in gguf.GGUFReader(tmp_path / fname).tensors)
    for cut in range(needed):
        p = write(tmp_path / f"cut.{ext}", data[:cut])
        load_error(p)


def test_random_corruption_never_crashes(tmp_path):
    rng = np.random.default_rng(0)
    for fname in make_files(tmp_path):
        data = bytearray(open(tmp_path / fname, "rb").read())
        ext = fname.split(".")[-1]
        for trial in range(300):
            bad = bytearray(data)
            for _ in range(rng.integers(1, 4)):
                bad[rng.integers(0, len(bad))] = int(rng.integers(0, 256))
            p = write(tmp_path / f"bad.{ext}", bytes(bad))
            try:
                mx.eval(mx.load(str(p)))
            except (ValueError, RuntimeError):
                pass


def npy_bytes(header, data=b""):
    header = header + " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


def test_npy_malformed(tmp_path):
    assert "[load]" in load_error(write(tmp_path / "a.npy", b"garbage"))
    assert "[load]" in load_error(write(tmp_path / "b.npy", b"\x93NUMPX\x01\x00" + b"x" * 100))
    # Header length beyond the file.
    load_error(write(tmp_path / "c.npy", b"\x93NUMPY\x01\x00\xff\xff{}"))
    # A shape whose byte count exceeds the file: no huge allocation.
    msg = load_error(
        write(
            tmp_path / "d.npy",
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"),
        )
    )
    assert "[load]" in msg
    load_error(
        write(
            tmp_path / "e.npy",
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, ), }"),
        )
    )
    load_error(
        write(
            tmp_path / "f.npy",
            npy_bytes(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"
            ),
        )
    )
    # Unknown dtypes are ValueErrors, as in MLX.
    for descr in ["<U2", "<c16", "|O", "<f16", "xx"]:
        with pytest.raises(ValueError):
            mx.load(
                str(
                    write(
                        tmp_path / "g.npy",
                        npy_bytes(
                            "{'descr': '%s', 'fortran_order': False, 'shape': (1,), }" % descr, b"\0" * 32
                        ),
                    )
                )
            )
    with pytest.raises(RuntimeError, match="Unsupported npy format version"):
        mx.load(str(write(tmp_path / "h.npy", b"\x93NUMPY\x07\x00" + b"\0" * 100)))
    load_error(write(tmp_path / "i.npy", npy_bytes("{'descr': '<f4', 'shape': (1,), }", b"\0" * 4)))
    load_error(write(tmp_path / "j.npy", npy_bytes("not a dict", b"\0" * 4)))


def st_bytes(header, data=b""):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(h)) + h + data


def test_safetensors_malformed(tmp_path):
    def err(header, data=b""):
        return load_error(write(tmp_path / "x.safetensors", st_bytes(header, data)))

    assert "[load_safetensors] Invalid json header length" in load_error(
        write(tmp_path / "h.safetensors", struct.pack("<Q", 10**12) + b"{}")
    )
    assert "exceeding the size of the file" in err(
        {"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0\0"
    )
    assert "Expecting 12 bytes" in err(
        {"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8
    )
    err({"x": {"dtype": "F32", "shape": [100000, 100000, 100000], "data_offsets": [0, 8]}}, b"\0" * 8)
    err({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4)
    err({"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}, b"\0" * 4)
    err({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"\0" * 4)
    err({"x": {"dtype": "F32", "shape": [1]}}, b"\0" * 4)
    err({"x": {"dtype": "XX", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    err({"x": 1})
    err(b"{abc}")
    err(b"[" * 100000 + b"]" * 100000)
    err({"__metadata__": {"a": 1}})
    err([1, 2])


def test_safetensors_f8_loads_as_bytes(tmp_path):
    p = write(
        tmp_path / "f8.safetensors",
        st_bytes({"x": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x02"),
    )
    out = mx.load(str(p))["x"]
    assert out.dtype == mx.uint8 and out.tolist() == [1, 2]


def test_npz_malformed(tmp_path):
    with pytest.raises(ValueError, match=r"\[load_npz\] Input must be a zip file"):
        mx.load(str(write(tmp_path / "a.npz", b"garbage")))
    # A zip whose entry is not an npy file.
    with zipfile.ZipFile(tmp_path / "b.npz", "w") as z:
        z.writestr("x.npy", b"not npy at all")
    load_error(tmp_path / "b.npz")
    # Deflated entry with corrupt data or a wrong CRC.
    mx.savez_compressed(str(tmp_path / "c.npz"), x=mx.arange(1000))
    data = bytearray(open(tmp_path / "c.npz", "rb").read())
    info = zipfile.ZipFile(tmp_path / "c.npz").infolist()[0]
    start = info.header_offset + 30 + len(info.filename)
    bad = bytearray(data)
    for i in range(start + 10, start + 40):
        bad[i] ^= 0x5A
    load_error(write(tmp_path / "d.npz", bytes(bad)))
    bad = bytearray(data)
    bad[info.header_offset + 14] ^= 1  # the local CRC is not used; the central one is
    cd = data.rfind(b"PK\x01\x02")
    bad[cd + 16] ^= 1
    assert "CRC" in load_error(write(tmp_path / "e.npz", bytes(bad)))
    # An entry compressed with an unsupported method.
    with zipfile.ZipFile(tmp_path / "f.npz", "w", compression=zipfile.ZIP_BZIP2) as z:
        z.writestr("x.npy", b"abc" * 100)
    assert "compression method" in load_error(tmp_path / "f.npz")
    # The npy header claims more data than the stored entry holds.
    raw = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000,), }", b"\0" * 8)
    with zipfile.ZipFile(tmp_path / "g.npz", "w") as z:
        z.writestr("x.npy", raw)
    load_error(tmp_path / "g.npz")
    with zipfile.ZipFile(tmp_path / "h.npz", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.npy", raw)
    load_error(tmp_path / "h.npz")


def gguf_header(n_tensors, n_kv, version=3):
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv)


def gguf_str(s):
    return struct.pack("<Q", len(s)) + s


def test_gguf_malformed(tmp_path):
    def err(data):
        return load_error(write(tmp_path / "x.gguf", data))

    assert "[load_gguf]" in err(b"garbage" * 10)
    assert "[load_gguf]" in err(b"GGML" + b"\0" * 40)
    err(gguf_header(0, 0, version=1) + b"\0" * 16)
    err(gguf_header(10**15, 10**15))
    # A key whose length runs past the end.
    err(gguf_header(0, 1) + struct.pack("<Q", 10**12) + b"abc")
    # A metadata array claiming 2^60 items.
    err(gguf_header(0, 1) + gguf_str(b"k") + struct.pack("<IIQ", 9, 5, 2**60))
    err(gguf_header(0, 1) + gguf_str(b"k") + struct.pack("<IIQ", 9, 8, 2**60))
    err(gguf_header(0, 1) + gguf_str(b"k") + struct.pack("<I", 99) + b"\0" * 16)

    # Tensor infos: unknown type, absurd dims, offsets out of range.
    def tensor(dims, ggml_type, offset):
        return (
            gguf_str(b"t")
            + struct.pack("<I", len(dims))
            + struct.pack(f"<{len(dims)}Q", *dims)
            + struct.pack("<IQ", ggml_type, offset)
        )

    pad = b"\0" * 64
    assert "unsupported ggml type" in err(gguf_header(1, 0) + tensor([4], 77, 0) + pad)
    # Quantized: rows must hold whole blocks, and the blocks must fit.
    assert "divisible by 32" in err(gguf_header(1, 0) + tensor([4], 2, 0) + pad)
    err(gguf_header(1, 0) + tensor([32, 1000], 2, 0) + pad)
    err(gguf_header(1, 0) + tensor([256, 2**40], 12, 0) + pad)
    err(gguf_header(1, 0) + tensor([2**40, 2**40], 0, 0) + pad)
    err(gguf_header(1, 0) + tensor([4], 0, 2**62) + pad)
    err(gguf_header(1, 0) + tensor([100], 0, 0) + pad)
    err(gguf_header(1, 0) + gguf_str(b"t") + struct.pack("<I", 1000) + pad)
    # general.alignment must be a power of two.
    err(gguf_header(0, 1) + gguf_str(b"general.alignment") + struct.pack("<II", 4, 3) + pad)


# ------------------------------------------------------- quantized GGUF


def affine_dequantize(w, scales, biases, bits):
    """MLX's affine layout: `bits`-bit unsigned values packed low bits
    first into uint32 words, groups of 32 sharing a scale and bias."""
    w = np.array(w)
    per_word = 32 // bits
    q = (w[..., None] >> (np.arange(per_word, dtype=np.uint32) * bits)) & ((1 << bits) - 1)
    q = q.reshape(*w.shape[:-1], -1).astype(np.float32)
    s = np.repeat(np.array(scales).astype(np.float32), 32, axis=-1)
    b = np.repeat(np.array(biases).astype(np.float32), 32, axis=-1)
    return q * s + b


@needs_gguf
@pytest.mark.parametrize("qtype,bits", [("Q4_0", 4), ("Q4_1", 4), ("Q8_0", 8)])
def test_gguf_q4_q8_load_as_affine_triplets(tmp_path, qtype, bits):
    from gguf.quants import dequantize, quantize

    t = getattr(gguf.GGMLQuantizationType, qtype)
    x = np.random.default_rng(0).standard_normal((3, 2, 96)).astype(np.float32)
    q = quantize(x, t)
    write_gguf(tmp_path / "q.gguf", {"blk.0.w.weight": (q, t), "plain": (q, t)})
    out = mx.load(str(tmp_path / "q.gguf"))
    # MLX's names: a ".weight" suffix is replaced for scales and biases.
    assert sorted(out) == [
        "blk.0.w.biases",
        "blk.0.w.scales",
        "blk.0.w.weight",
        "plain",
        "plain.biases",
        "plain.scales",
    ]
    w, s, b = out["blk.0.w.weight"], out["blk.0.w.scales"], out["blk.0.w.biases"]
    assert w.dtype == mx.uint32 and w.shape == (3, 2, 96 * bits // 32)
    assert s.dtype == mx.float16 and s.shape == (3, 2, 3) and b.shape == (3, 2, 3)
    ref = dequantize(q, t)
    np.testing.assert_allclose(affine_dequantize(w, s, b, bits), ref, rtol=1e-3, atol=1e-3)
    assert_same(w, out["plain"])


@needs_gguf
@pytest.mark.parametrize("qtype,scale_pos", [("Q2_K", [80, 82]), ("Q4_K", [0, 2]), ("Q6_K", [208])])
def test_gguf_k_quants_load_as_float16(tmp_path, monkeypatch, qtype, scale_pos):
    # MLX's behaviour, behind the switch (by default they stay quantized:
    # tests/test_quantized_gguf.py)
    monkeypatch.setenv("MLX_GGUF_KQUANTS", "float16")
    from gguf.constants import GGML_QUANT_SIZES
    from gguf.quants import dequantize

    t = getattr(gguf.GGMLQuantizationType, qtype)
    _, block_bytes = GGML_QUANT_SIZES[t]
    raw = np.random.default_rng(1).integers(0, 256, size=(3, 2, block_bytes), dtype=np.uint8)
    for p in scale_pos:  # keep the float16 super-block scales finite and small
        raw[..., p : p + 2] = np.frombuffer(np.float16(0.013).tobytes(), np.uint8)
    raw = raw.reshape(3, 2 * block_bytes)
    write_gguf(tmp_path / "k.gguf", {"k": (raw, t)})
    out = mx.load(str(tmp_path / "k.gguf"))["k"]
    ref = dequantize(raw, t)
    assert out.dtype == mx.float16 and out.shape == ref.shape == (3, 512)
    np.testing.assert_allclose(np.array(out).astype(np.float32), ref, rtol=2e-3, atol=1e-3)


@needs_gguf
def test_gguf_custom_alignment(tmp_path):
    w = gguf.GGUFWriter(str(tmp_path / "al.gguf"), "llama")
    w.add_custom_alignment(64)
    w.add_tensor("a", np.arange(5, dtype=np.float32))
    w.add_tensor("b", np.arange(7, dtype=np.int16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    arrays, meta = mx.load(str(tmp_path / "al.gguf"), return_metadata=True)
    assert arrays["a"].tolist() == list(range(5)) and arrays["b"].tolist() == list(range(7))
    assert meta["general.alignment"].item() == 64 and meta["general.alignment"].dtype == mx.uint32


def test_npz_entry_names(tmp_path):
    b = io.BytesIO()
    np.save(b, np.arange(3))
    with zipfile.ZipFile(tmp_path / "odd.npz", "w") as z:
        z.writestr("noext", b.getvalue())
        z.writestr("dir/", b"")  # directory entries are skipped
        z.writestr("a.npy", b.getvalue())
    out = mx.load(str(tmp_path / "odd.npz"))
    assert sorted(out) == ["a", "noext"]


def test_npz_with_more_than_65535_entries_uses_zip64(tmp_path):
    # Past 65535 entries the end record moves to its zip64 form, both ways.
    n = 65540
    a = mx.array([7], dtype=mx.uint8)
    mx.savez(str(tmp_path / "many.npz"), **{f"k{i}": a for i in range(n)})
    with zipfile.ZipFile(tmp_path / "many.npz") as z:
        names = z.namelist()
        assert len(names) == n and names[-1] == f"k{n - 1}.npy"
        assert z.read(names[-1])[-1] == 7
    out = mx.load(str(tmp_path / "many.npz"))
    assert len(out) == n and out[f"k{n - 1}"].tolist() == [7]
    with zipfile.ZipFile(tmp_path / "py.npz", "w") as z:
        b = io.BytesIO()
        np.save(b, np.array([3], np.int8))
        for i in range(n):
            z.writestr(f"p{i}.npy", b.getvalue())
    out = mx.load(str(tmp_path / "py.npz"))
    assert len(out) == n and out[f"p{n - 1}"].tolist() == [3]


# ------------------------------------------------- files written by MLX


def test_reads_files_written_by_mlx():
    """tests/data/io_mlx.* were written by MLX 0.32.4 (io_record_mlx.py)."""
    data = pathlib.Path(__file__).parent / "data"
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 4
    b = np.arange(6, dtype=np.int16).reshape(3, 2) - 2
    c = (np.arange(5) % 2).astype(bool)
    npy = mx.load(str(data / "io_mlx.npy"))
    np.testing.assert_array_equal(np.array(npy), a.T)
    npz = mx.load(str(data / "io_mlx.npz"))
    assert sorted(npz) == ["arr_0", "b", "c"]
    np.testing.assert_array_equal(np.array(npz["arr_0"]), a)
    np.testing.assert_array_equal(np.array(npz["b"]), b)
    np.testing.assert_array_equal(np.array(npz["c"]), c)
    st, meta = mx.load(str(data / "io_mlx.safetensors"), return_metadata=True)
    assert meta == {"format": "mlx"}
    np.testing.assert_array_equal(np.array(st["a"]), a)
    assert st["b"].dtype == mx.int16 and st["c"].dtype == mx.bool_
    assert st["h"].dtype == mx.bfloat16 and st["h"].tolist() == [0.0, 1.5, 3.0, 4.5]
    gg, gmeta = mx.load(str(data / "io_mlx.gguf"), return_metadata=True)
    np.testing.assert_array_equal(np.array(gg["a"]), a)
    np.testing.assert_array_equal(np.array(gg["b"]), b)
    assert gg["s"].shape == () and gg["s"].item() == 2.5
    assert gmeta["name"] == "fixture" and gmeta["tok"] == ["x", "yz"]
    assert gmeta["ints"].tolist() == [1, 2, 3] and gmeta["ints"].dtype == mx.int32
    assert gmeta["u"].item() == 7 and gmeta["u"].dtype == mx.uint8


def test_npy_data_is_read_at_eval(tmp_path):
    # MLX 0.32.4: mx.load of a path reads the header at once (a bad one
    # raises there) and the data when evaluated, so a truncated file raises
    # RuntimeError from eval, on whatever stream consumes it.
    expected = np.arange(16, dtype=np.float32)
    path = str(tmp_path / "t.npy")
    np.save(path, expected)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - expected.nbytes)
    out = mx.load(path, stream=mx.cpu)
    assert out.shape == (16,) and out.dtype == mx.float32
    with pytest.raises(RuntimeError, match=r"\[load\].*truncated"):
        mx.eval(out)
    s1, s2 = mx.new_stream(mx.cpu), mx.new_stream(mx.cpu)
    with pytest.raises(RuntimeError):
        mx.eval(mx.add(mx.load(path, stream=s1), 1.0, stream=s2))
    try:
        mx.synchronize(s1)
    except RuntimeError:
        pass
    # The file is read when evaluated (MLX reads the new contents), through
    # a handle kept open (a removed file still loads); Fortran order and
    # byte-swapped data too.
    np.save(path, expected)
    y = mx.load(path)
    np.save(path, np.zeros(16, np.float32))
    np.testing.assert_array_equal(np.array(y), np.zeros(16, np.float32))
    p2 = str(tmp_path / "f.npy")
    f = np.asfortranarray(np.arange(12, dtype=">i4").reshape(3, 4))
    np.save(p2, f)
    z = mx.load(p2)
    os.remove(p2)
    np.testing.assert_array_equal(np.array(z), f)
    # A file object is read while it is open.
    np.save(path, expected)
    with open(path, "rb") as fh:
        w = mx.load(fh, format="npy")
    np.testing.assert_array_equal(np.array(w), expected)


def test_load_donates_its_buffer(tmp_path):
    # The loaded buffer is an intermediate: y = load(f) * s reuses it, so the
    # peak equals loading alone (MLX 0.32.4's test of donation).
    x = mx.random.normal((1024,))
    path = str(tmp_path / "d.npy")
    mx.save(path, x)
    mx.synchronize()
    mx.reset_peak_memory()
    scale = mx.array(2.0)
    y = mx.load(path)
    mx.eval(y)
    load_only = mx.get_peak_memory()
    y = mx.load(path) * scale
    mx.eval(y)
    assert mx.get_peak_memory() == load_only
    np.testing.assert_array_equal(np.array(y), 2 * np.array(x))
