"""Untrusted .npz files are read with bounded memory, never unpickled, and fail with one NpzError.

Every hostile file is built here, in tmp_path; none allocates more than a few MB.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import threading
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format

from mlp_gui.core.npz_reader import MemberSpec, NpzError, read_npz, read_npz_file

ARRAYS = {
    "W1": np.arange(6, dtype=np.float64).reshape(3, 2) / 7,
    "b1": np.array([0.5, -1.5, 2.0]),
    "x": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
    "n": np.arange(5, dtype=">i4"),
    "config": np.array('{"layers": [2, 3]}'),
}
SPECS = {
    "W1": MemberSpec((3, 2)),
    "b1": MemberSpec((None,)),
    "x": MemberSpec((3, None)),
    "n": MemberSpec(kinds="iu", max_elements=10),
    "config": MemberSpec((), kinds="U"),
}
JUNK_MIB = 300


def npz_bytes(compressed: bool = False, **arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **(arrays or ARRAYS))
    return buf.getvalue()


def write(tmp_path, data: bytes, name: str = "run.npz"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def central_entries(data: bytes) -> list[int]:
    """Offsets of the zip's central directory entries (found from the end-of-directory record)."""
    eocd = data.rindex(b"PK\x05\x06")
    count, _size, start = struct.unpack("<HII", data[eocd + 10 : eocd + 20])
    offsets = []
    for _ in range(count):
        assert data[start : start + 4] == b"PK\x01\x02"
        offsets.append(start)
        n, m, k = struct.unpack("<HHH", data[start + 28 : start + 34])
        start += 46 + n + m + k
    return offsets


def patch_u16(data: bytes, local_at: int, central_at: int, value: int) -> bytes:
    """Set a 16-bit field in every member's local header and central directory entry alike."""
    out = bytearray(data)
    for entry in central_entries(data):
        (local,) = struct.unpack("<I", data[entry + 42 : entry + 46])
        out[local + local_at : local + local_at + 2] = struct.pack("<H", value)
        out[entry + central_at : entry + central_at + 2] = struct.pack("<H", value)
    return bytes(out)


def zip_with(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        for name, payload in members.items():
            zf.writestr(name.split("#")[0], payload)
    return buf.getvalue()


def npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    npy_format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


def fake_header_member(shape: tuple[int, ...], size: int = 0) -> bytes:
    """A .npy member whose float64 header declares ``shape``, zero-padded to ``size`` bytes."""
    header = npy_format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = shape
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, header)
    buf.write(b"\0" * max(0, size - buf.tell()))
    return buf.getvalue()


def huge_header_member() -> bytes:
    """A 236-byte .npy member whose header declares 10**13 float64s (80 TB)."""
    return fake_header_member((10**13,), 236)


def npy_v3_bytes(arr: np.ndarray) -> bytes:
    """A plain float array under .npy format 3.0 (numpy writes 3.0 only for unicode field names)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        npy_format.write_array(buf, arr, version=(3, 0))
    return buf.getvalue()


def read_with_peak(fn) -> tuple[object, int, float]:
    """``fn()``'s result (or exception), its peak traced allocation in bytes, and its duration."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
    except NpzError as exc:
        result = exc
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, peak, elapsed


@pytest.mark.parametrize("compressed", [False, True])
def test_round_trip(tmp_path, compressed):
    path = write(tmp_path, npz_bytes(compressed))
    got = read_npz(path, SPECS, required=["config", "W1"])
    assert list(got) == ["config", "W1", "b1", "x", "n"]  # required first, then in file order
    for name, arr in ARRAYS.items():
        np.testing.assert_array_equal(got[name], arr)
        assert got[name].shape == arr.shape and got[name].dtype.isnative
    assert got["n"].dtype == np.int32 and got["x"].flags.f_contiguous


def test_npy_format_2_is_read():
    buf = io.BytesIO()
    npy_format.write_array(buf, ARRAYS["W1"], version=(2, 0))
    got = read_npz_file(io.BytesIO(zip_with({"W1.npy": buf.getvalue()})), {"W1": MemberSpec((3, 2))})
    np.testing.assert_array_equal(got["W1"], ARRAYS["W1"])


def test_unknown_members_are_skipped_and_callable_specs_see_what_was_read(tmp_path):
    seen = []

    def spec(name, done):
        seen.append((name, sorted(done)))
        if name == "W1":
            return MemberSpec((len(done["config"].item()) - 15, 2))  # a shape computed from the config
        return MemberSpec((), kinds="U") if name == "config" else None

    got = read_npz(write(tmp_path, npz_bytes()), spec, required=["config"])
    assert sorted(got) == ["W1", "config"]
    assert seen[:2] == [("config", []), ("W1", ["config"])]


def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "run.npz"
    os.mkfifo(fifo)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(read_with_peak(lambda: read_npz(fifo, SPECS))), daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "read_npz blocked on a FIFO"
    assert isinstance(outcome[0][0], NpzError) and "FIFO" in str(outcome[0][0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"loss,epoch\n0.5,1\n", "not an .npz file (it is not a zip archive)"),
        (None, "not a complete .npz file (truncated or corrupt"),
    ],
)
def test_not_an_npz(tmp_path, content, message):
    data = npz_bytes()[:400] if content is None else content
    with pytest.raises(NpzError) as err:
        read_npz(write(tmp_path, data), SPECS)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_missing_and_folder_paths(tmp_path):
    with pytest.raises(NpzError, match="no such file"):
        read_npz(tmp_path / "nothing.npz", SPECS)
    with pytest.raises(NpzError, match="is a folder"):
        read_npz(tmp_path, SPECS)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"W1.npy": b"just some raw bytes, no .npy magic"}, "'W1' is not a .npy array"),
        ({"W1": npy_bytes(np.ones((3, 2)))}, "'W1' is not a .npy array (zip member 'W1' is raw bytes)"),
        ({"W1.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': ((((("}, "'W1' is not a .npy array"),
        ({"W1.npy": b"\x93NUMPY\x03\x00\x10\x00" + b" " * 16}, "'W1' is not a .npy array"),
        ({"W1.npy": npy_bytes(np.ones(6))[:-8]}, "'W1' declares 48 bytes of data but the member holds 40"),
        ({"W1.npy": npy_bytes(np.ones(6)) + b"extra"}, "'W1' declares 48 bytes of data but the member holds 53"),
        ({"W1.npy": fake_header_member((2, -3))}, "'W1' declares an impossible shape (2 dimensions, lengths -3 to 2)"),
        ({"W1.npy": fake_header_member((1,) * 70)}, "'W1' declares an impossible shape (70 dimensions, lengths 1 to 1)"),
        ({"W1.npy": npy_v3_bytes(np.ones(6))}, "'W1' is not a .npy array (unsupported .npy format version 3.0)"),
        ({"W1.npy": npy_bytes(np.ones((3, 2))), "W1.npy#2": npy_bytes(np.ones((3, 2)))}, "'W1' is stored 2 times"),
    ],
)
def test_members_that_are_not_arrays(members, message):
    with pytest.raises(NpzError) as err:
        read_npz_file(io.BytesIO(zip_with(members)), {"W1": MemberSpec()})
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (256 * 2**20, "'W1' declares 80000000000000 bytes of data, more than the limit of 268435456"),
        (10**15, "'W1' declares 80000000000000 bytes of data but the member holds 108 (truncated or corrupt)"),
    ],
)
def test_header_declaring_a_huge_shape_is_refused_before_allocating(limit, message):
    data = zip_with({"W1.npy": huge_header_member()})
    assert len(huge_header_member()) == 236
    err, peak, _ = read_with_peak(
        lambda: read_npz_file(io.BytesIO(data), {"W1": MemberSpec()}, max_member_bytes=limit, max_total_bytes=limit)
    )
    assert isinstance(err, NpzError) and str(err) == message
    assert peak < 50 * 2**20


@pytest.fixture(scope="module")
def junk_npz(tmp_path_factory):
    """A 1.3 MB .npz holding a real W1 and ``junk.npy``: 300 MiB of zeros once decompressed."""
    path = tmp_path_factory.mktemp("bomb") / "run.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("W1.npy", "w") as f:
            npy_format.write_array(f, ARRAYS["W1"])
        with zf.open("junk.npy", "w", force_zip64=True) as f:
            chunk = bytes(2**20)
            for _ in range(JUNK_MIB):
                f.write(chunk)
    assert path.stat().st_size < 5 * 2**20
    return path


@pytest.fixture
def opened_members(monkeypatch):
    """The zip member names read_npz opens (i.e. starts decompressing)."""
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def test_unknown_big_member_is_never_decompressed(junk_npz, opened_members):
    got, peak, elapsed = read_with_peak(lambda: read_npz(junk_npz, {"W1": MemberSpec((3, 2))}))
    np.testing.assert_array_equal(got["W1"], ARRAYS["W1"])
    assert opened_members == ["W1.npy"]
    assert peak < 50 * 2**20


def test_known_big_member_is_refused_before_decompressing(junk_npz, opened_members):
    specs = {"W1": MemberSpec((3, 2)), "junk": MemberSpec(kinds="fiuV")}
    err, peak, elapsed = read_with_peak(lambda: read_npz(junk_npz, specs))
    assert str(err) == f"'junk' expands to {JUNK_MIB * 2**20} bytes, more than the limit of {256 * 2**20}"
    assert "junk.npy" not in opened_members
    assert peak < 50 * 2**20


def test_members_together_over_the_total_limit():
    data = npz_bytes(a=np.zeros(100), b=np.zeros(100))  # 928 bytes each
    specs = {"a": MemberSpec(), "b": MemberSpec()}
    assert len(read_npz_file(io.BytesIO(data), specs, max_member_bytes=1000, max_total_bytes=2000)) == 2
    with pytest.raises(NpzError, match="the arrays expand to more than the limit of 1500 bytes"):
        read_npz_file(io.BytesIO(data), specs, max_member_bytes=1000, max_total_bytes=1500)


def test_huge_zip_directory_is_refused():
    data = bytearray(npz_bytes())
    eocd = data.rindex(b"PK\x05\x06")
    data[eocd + 12 : eocd + 16] = struct.pack("<I", 2**31)
    with pytest.raises(NpzError, match="zip directory declares 2147483648 bytes"):
        read_npz_file(io.BytesIO(bytes(data)), SPECS)


def test_encrypted_members_are_refused():
    data = patch_u16(npz_bytes(), 6, 8, 0x1)
    with pytest.raises(NpzError, match="^'config' is encrypted$"):
        read_npz_file(io.BytesIO(data), SPECS, required=["config"])


@pytest.mark.parametrize("method", [93, 99, 12])
def test_unsupported_compression_is_refused(method):
    data = patch_u16(npz_bytes(), 8, 10, method)
    with pytest.raises(NpzError, match=f"^'W1' uses unsupported compression method {method}$"):
        read_npz_file(io.BytesIO(data), SPECS)


def test_object_arrays_are_never_unpickled(tmp_path, monkeypatch):
    path = write(tmp_path, npz_bytes(obj=np.array([{"evil": True}], dtype=object)))

    def no_pickle(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    with pytest.raises(NpzError, match="^'obj' has dtype object, which holds Python objects"):
        read_npz(path, {"obj": MemberSpec(kinds="O")})


def test_structured_arrays_are_refused():
    data = npz_bytes(rec=np.zeros(3, dtype=[("a", "f8"), ("b", "i4")]))
    with pytest.raises(NpzError, match="^'rec' has dtype .* records"):
        read_npz_file(io.BytesIO(data), {"rec": MemberSpec(kinds="V")})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (MemberSpec((2, None)), "'W1' has shape (3, 2), expected (2, any)"),
        (MemberSpec((6,)), "'W1' has shape (3, 2), expected (6,)"),
        (MemberSpec(kinds="iu"), "'W1' has dtype float64, expected kind i or u"),
        (MemberSpec(max_elements=5), "'W1' has 6 elements, more than the limit of 5"),
    ],
)
def test_member_not_as_specified(spec, message):
    with pytest.raises(NpzError) as err:
        read_npz_file(io.BytesIO(npz_bytes()), {"W1": spec})
    assert str(err.value) == message


@pytest.mark.parametrize("compressed", [False, True])
def test_corrupted_member_data_is_caught(compressed):
    data = bytearray(npz_bytes(compressed, W1=np.arange(400.0)))
    (entry,) = central_entries(bytes(data))
    local, size = struct.unpack("<I", data[entry + 42 : entry + 46])[0], struct.unpack("<I", data[entry + 20 : entry + 24])[0]
    n, m = struct.unpack("<HH", data[local + 26 : local + 30])
    data[local + 30 + n + m + size - 3] ^= 0x40  # inside the array data, past the .npy header
    with pytest.raises(NpzError, match="^'W1' is (corrupt|truncated)"):
        read_npz_file(io.BytesIO(bytes(data)), {"W1": MemberSpec()})


def test_missing_required_arrays(opened_members):
    data = npz_bytes()
    opened_members.clear()
    with pytest.raises(NpzError, match="^missing arrays: b2, y$"):
        read_npz_file(io.BytesIO(data), SPECS, required=["W1", "b2", "config", "y"])
    assert opened_members == []  # known from the zip directory: nothing decompressed in vain
    with pytest.raises(NpzError, match="^missing arrays: W1$"):  # present, but the spec declined it
        read_npz_file(io.BytesIO(npz_bytes()), lambda name, done: None, required=["W1"])
