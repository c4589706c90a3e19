"""Reading untrusted ``.npz`` files with bounded memory and one exception type.

``np.load`` trusts the file: it hangs on a FIFO, decompresses members nobody
asked for, allocates whatever a ``.npy`` header declares, and leaks
AttributeError/RuntimeError/NotImplementedError/... on odd zip members. This
reader checks the zip directory and each ``.npy`` header against what the
caller expects *before* decompressing or allocating anything, reads data in
bounded pieces straight into a preallocated array, never unpickles, and turns
every problem into :class:`NpzError` with a one-line message.

Pure standard library + NumPy (and :mod:`mlp_gui.core.platform`'s open flags): no Qt.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from mlp_gui.core import platform

CHUNK = 1 << 20
"""Bytes decompressed per read: the most a member costs beyond its own array."""

MAX_DIRECTORY_BYTES = 1 << 20
"""Largest zip central directory accepted (an .npz has a handful of members; zipfile keeps it all in memory)."""

MAX_HEADER_BYTES = 10_000
"""Largest ``.npy`` header accepted (numpy's own default)."""

MAX_DIMENSIONS = 32
"""Most axes accepted (NumPy 1 allows 32, NumPy 2 64; a run file needs 2)."""

MAX_DEFLATE_RATIO = 1100
"""Deflate cannot expand data more than 1032-fold: a member declaring more lies about its size."""

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, struct.error, NotImplementedError)


class NpzError(ValueError):
    """An ``.npz`` that cannot be read as asked; one line saying what is wrong (the caller adds the path)."""


@dataclass(frozen=True)
class MemberSpec:
    """What one array may be.

    ``shape``: None for any shape, else a tuple whose None entries accept any
    length on that axis. ``kinds``: the allowed dtype kinds (``"f"``, ``"fiu"``,
    ``"U"``, ...). ``itemsize``: the only item size allowed (8 for float64), so
    a narrow type cannot be widened into far more memory than the file holds.
    ``max_elements``: an optional cap on the element count. ``keep_rows``: read
    only these rows (indices along the first axis, increasing); the others are
    skipped as they stream past, so a file larger than the limits can still be
    read in part.
    """

    shape: tuple[int | None, ...] | None = None
    kinds: str = "f"
    max_elements: int | None = None
    itemsize: int | None = None
    keep_rows: tuple[int, ...] | None = None


SpecFunc = Callable[[str, dict[str, np.ndarray]], MemberSpec | None]
SpecSource = Mapping[str, MemberSpec] | SpecFunc
"""Either a fixed mapping, or ``spec(name, already_read)`` deciding per member (None: ignore it)."""


@dataclass(frozen=True)
class _Limits:
    member: int
    total: int


def read_npz(
    path: str | os.PathLike,
    specs: SpecSource,
    *,
    required: Iterable[str] = (),
    max_member_bytes: int = 256 * 2**20,
    max_total_bytes: int = 1 * 2**30,
) -> dict[str, np.ndarray]:
    """Read the arrays ``specs`` asks for from the ``.npz`` at ``path``; see :func:`read_npz_file`.

    Anything but a regular file (FIFO, device, folder) is refused before it is
    opened for reading, so a named pipe can never hang us.
    """
    with _open_regular(path) as f:
        return read_npz_file(f, specs, required=required, max_member_bytes=max_member_bytes, max_total_bytes=max_total_bytes)


def _open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (checked before and after opening)."""
    try:
        _require_regular(os.stat(path).st_mode)
        fd = os.open(path, platform.open_flags(os.O_RDONLY))
    except FileNotFoundError:
        raise NpzError("no such file") from None
    except OSError as exc:
        raise NpzError(f"cannot be opened ({exc.strerror or exc})") from None
    try:
        _require_regular(os.fstat(fd).st_mode)  # it may have been swapped since the stat
        platform.make_blocking(fd)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise NpzError("is a folder, not an .npz file")
    if stat.S_ISFIFO(mode):
        raise NpzError("is a named pipe (FIFO), not an .npz file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise NpzError("is a device, not an .npz file")
    raise NpzError("is not a regular file")


def read_npz_file(
    fileobj: BinaryIO,
    specs: SpecSource,
    *,
    required: Iterable[str] = (),
    max_member_bytes: int = 256 * 2**20,
    max_total_bytes: int = 1 * 2**30,
) -> dict[str, np.ndarray]:
    """Read the arrays ``specs`` asks for from a seekable binary file holding an ``.npz``.

    Members are named as ``np.load`` names them (``W1.npy`` -> ``"W1"``).
    ``specs`` maps names to :class:`MemberSpec`, or is a callable
    ``(name, already_read) -> MemberSpec | None`` called per member, ``required``
    names first in their given order, then the rest in zip order, so e.g. a
    config can decide the other shapes. Members without a spec are never
    decompressed. A member may not expand beyond ``max_member_bytes``, all
    members read together beyond ``max_total_bytes``. Raises :class:`NpzError`.
    """
    required = list(dict.fromkeys(required))
    spec_for = specs if callable(specs) else (lambda name, _done: specs.get(name))
    try:
        _check_magic(fileobj)
        _check_directory_size(fileobj)
    except OSError as exc:
        raise NpzError(f"cannot be read ({exc.strerror or _one_line(exc)})") from None
    with _open_zip(fileobj) as zf:
        return _read_members(zf, spec_for, required, _Limits(max_member_bytes, max_total_bytes))


def _read_members(zf: zipfile.ZipFile, spec_for: SpecFunc, required: list[str], limits: _Limits) -> dict[str, np.ndarray]:
    """Read each member its spec asks for, ``required`` ones first, checking limits as we go."""
    members = _index(zf)
    _check_required(required, members)
    out: dict[str, np.ndarray] = {}
    total = 0
    for name in required + [n for n in members if n not in required]:
        spec = spec_for(name, dict(out))
        if spec is None:
            continue
        info = _checked_info(name, members[name], limits, total, whole=spec.keep_rows is None)
        out[name] = _read_member(zf, name, info, spec, limits, total)
        total += out[name].nbytes
    _check_required(required, out)
    return out


def _check_magic(f: BinaryIO) -> None:
    """Refuse empty files and non-zips by their first bytes, before zipfile guesses."""
    start = f.tell()
    magic = f.read(4)
    f.seek(start)
    if not magic:
        raise NpzError("the file is empty")
    if magic != b"PK\x03\x04":
        raise NpzError("not an .npz file (it is not a zip archive)")


def _check_directory_size(f: BinaryIO) -> None:
    """Refuse a huge declared zip directory (zipfile would load all of it) from the end record."""
    size = f.seek(0, io.SEEK_END)
    tail_len = min(size, 22 + 0xFFFF)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    f.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # zipfile will say it is not a zip file
    (dir_bytes,) = struct.unpack("<I", tail[at + 12 : at + 16])
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        dir_bytes = _zip64_directory_size(f, tail[at - 20 : at])
    if dir_bytes > MAX_DIRECTORY_BYTES:
        raise NpzError(f"not an .npz file (its zip directory declares {dir_bytes} bytes)")


def _zip64_directory_size(f: BinaryIO, locator: bytes) -> int:
    """The directory size from the zip64 end record the ``locator`` points to (0 if unreadable)."""
    (offset,) = struct.unpack("<Q", locator[8:16])
    try:
        f.seek(offset)
        record = f.read(56)
    except (OSError, OverflowError, ValueError):
        record = b""
    f.seek(0)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        return 0  # zipfile will report the broken record
    return struct.unpack("<Q", record[40:48])[0]


def _open_zip(f: BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(f)
    except (*_ZIP_ERRORS, ValueError, OverflowError, RuntimeError) as exc:
        raise NpzError(f"not a complete .npz file (truncated or corrupt: {_one_line(exc)})") from None
    except OSError as exc:
        raise NpzError(f"cannot be read ({exc.strerror or _one_line(exc)})") from None


def _index(zf: zipfile.ZipFile) -> dict[str, list[zipfile.ZipInfo]]:
    """Zip members by array name (``x.npy`` -> ``x``, as np.load names them), duplicates kept."""
    members: dict[str, list[zipfile.ZipInfo]] = {}
    for info in zf.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        members.setdefault(name, []).append(info)
    return members


def _check_required(required: list[str], have: Mapping[str, object]) -> None:
    missing = [name for name in required if name not in have]
    if missing:
        raise NpzError(f"missing arrays: {', '.join(missing)}")


def _checked_info(name: str, infos: list[zipfile.ZipInfo], limits: _Limits, total: int, *, whole: bool) -> zipfile.ZipInfo:
    """The member's directory entry, refused if odd or too large (``whole``: all of it will be kept), judged before
    anything is decompressed."""
    if len(infos) > 1:
        raise NpzError(f"'{name}' is stored {len(infos)} times")
    info = infos[0]
    if not info.filename.endswith(".npy"):
        raise NpzError(f"'{name}' is not a .npy array (zip member '{info.filename}' is raw bytes)")
    if info.flag_bits & 0x1:
        raise NpzError(f"'{name}' is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise NpzError(f"'{name}' uses unsupported compression method {info.compress_type}")
    stored = info.compress_type == zipfile.ZIP_STORED
    if info.file_size > (info.compress_size if stored else MAX_DEFLATE_RATIO * info.compress_size + 1024):
        raise NpzError(f"'{name}' declares {info.file_size} bytes from {info.compress_size} stored (corrupt)")
    if whole and info.file_size > limits.member:
        raise NpzError(f"'{name}' expands to {info.file_size} bytes, more than the limit of {limits.member}")
    if whole and total + info.file_size > limits.total:
        raise NpzError(f"the arrays expand to more than the limit of {limits.total} bytes")
    return info


def _read_member(zf: zipfile.ZipFile, name: str, info: zipfile.ZipInfo, spec: MemberSpec, limits: _Limits,
                 used: int) -> np.ndarray:
    """Parse the header, check it against ``spec``, the limits (``used`` bytes so far) and the member size, then read."""
    try:
        with zf.open(info) as raw:
            stream = _Counting(raw)
            shape, fortran, dtype = _read_header(name, stream)
            count = _check_header(name, shape, dtype, spec)
            rows = _kept_rows(name, shape, fortran, spec)
            kept = count if rows is None else count // max(shape[0], 1) * len(rows)
            _check_limits(name, kept * dtype.itemsize, limits, used)
            _check_size(name, count * dtype.itemsize, stream.count, info.file_size)
            return _read_data(name, stream, shape, fortran, dtype, rows)
    except NpzError:
        raise
    except (*_ZIP_ERRORS, RuntimeError) as exc:
        raise NpzError(f"'{name}' is corrupt ({_one_line(exc)})") from None
    except OSError as exc:
        raise NpzError(f"'{name}' cannot be read ({exc.strerror or _one_line(exc)})") from None


class _Counting:
    """A read-only stream wrapper that counts the bytes handed out (the header length)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            raise ValueError("unbounded read")  # never read a whole member at once
        data = self.raw.read(n)
        self.count += len(data)
        return data

    def readinto(self, buf: memoryview) -> int:
        n = self.raw.readinto(buf)
        self.count += n
        return n


def _read_header(name: str, stream: _Counting) -> tuple[tuple[int, ...], bool, np.dtype]:
    """The ``.npy`` header (shape, fortran order, dtype), reading the header bytes only."""
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            return npy_format.read_array_header_1_0(stream, max_header_size=MAX_HEADER_BYTES)
        if version == (2, 0):
            return npy_format.read_array_header_2_0(stream, max_header_size=MAX_HEADER_BYTES)
    except (*_ZIP_ERRORS, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - hostile header: numpy may raise anything (SyntaxError, RecursionError...)
        raise NpzError(f"'{name}' is not a .npy array ({_one_line(exc)})") from None
    raise NpzError(f"'{name}' is not a .npy array (unsupported .npy format version {version[0]}.{version[1]})")


def _check_header(name: str, shape: tuple[int, ...], dtype: np.dtype, spec: MemberSpec) -> int:
    """Refuse what ``spec`` does not allow; return the element count."""
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise NpzError(f"'{name}' has dtype {dtype}, which holds Python objects or records (not read)")
    wrong_size = dtype.itemsize == 0 or (spec.itemsize is not None and dtype.itemsize != spec.itemsize)
    if dtype.kind not in spec.kinds or wrong_size:
        if set(spec.kinds) <= set("fiu") and dtype.kind not in "fiucb":
            raise NpzError(f"'{name}' is not numeric (dtype {dtype})")
        raise NpzError(f"'{name}' has dtype {dtype}, expected {_expected(spec)}")
    if len(shape) > MAX_DIMENSIONS or any(n < 0 for n in shape):
        raise NpzError(f"'{name}' declares an impossible shape ({len(shape)} dimensions, lengths {min(shape)} to {max(shape)})")
    if spec.shape is not None and not _shape_fits(shape, spec.shape):
        raise NpzError(f"'{name}' has shape {shape}, expected {_show_shape(spec.shape)}")
    count = math.prod(shape)
    if spec.max_elements is not None and count > spec.max_elements:
        raise NpzError(f"'{name}' has {count} elements, more than the limit of {spec.max_elements}")
    return count


def _expected(spec: MemberSpec) -> str:
    """The dtypes ``spec`` allows, in words: ``float64``, ``kind i or u``."""
    if spec.kinds == "f" and spec.itemsize == 8:
        return "float64"
    size = f" of {spec.itemsize} bytes" if spec.itemsize is not None else ""
    return f"kind {' or '.join(spec.kinds)}{size}"


def _shape_fits(shape: tuple[int, ...], expected: tuple[int | None, ...]) -> bool:
    return len(shape) == len(expected) and all(e is None or e == n for n, e in zip(shape, expected))


def _show_shape(shape: tuple[int | None, ...]) -> str:
    parts = ["any" if n is None else str(n) for n in shape]
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"


def _kept_rows(name: str, shape: tuple[int, ...], fortran: bool, spec: MemberSpec) -> tuple[int, ...] | None:
    """The rows to keep, or None for all of them (also when the spec picks every row)."""
    rows = spec.keep_rows
    if rows is None or not shape or list(rows) == list(range(shape[0])):
        return None
    if any(not 0 <= r < shape[0] for r in rows) or any(b <= a for a, b in zip(rows, rows[1:])):
        raise NpzError(f"'{name}' has {shape[0]} rows, not the ones asked for")
    if fortran and len(shape) > 1:
        raise NpzError(f"'{name}' is stored column by column (Fortran order): its rows cannot be read in part")
    return rows


def _check_limits(name: str, nbytes: int, limits: _Limits, used: int) -> None:
    """What will be kept of the array must fit the limits, before we allocate it."""
    if nbytes > limits.member:
        raise NpzError(f"'{name}' declares {nbytes} bytes of data, more than the limit of {limits.member}")
    if used + nbytes > limits.total:
        raise NpzError(f"the arrays expand to more than the limit of {limits.total} bytes")


def _check_size(name: str, nbytes: int, header: int, file_size: int) -> None:
    """The declared array must exactly fill the member."""
    if header + nbytes != file_size:
        raise NpzError(
            f"'{name}' declares {nbytes} bytes of data but the member holds {file_size - header} (truncated or corrupt)"
        )


def _read_data(name: str, stream: _Counting, shape: tuple[int, ...], fortran: bool, dtype: np.dtype,
               rows: tuple[int, ...] | None) -> np.ndarray:
    """Read the data in CHUNK pieces into a preallocated array, native byte order, right layout; with ``rows``, only
    those (C order): the others stream through a scratch buffer and are dropped."""
    if rows is None:
        flat = np.empty(math.prod(shape), dtype=dtype)
        _fill(name, stream, memoryview(flat.view(np.uint8)))
        out = flat.reshape(shape, order="F" if fortran else "C")
    else:
        out = np.empty((len(rows), *shape[1:]), dtype=dtype)
        keep = dict(zip(rows, range(len(rows))))
        row_bytes = math.prod(shape[1:]) * dtype.itemsize
        scratch = memoryview(bytearray(min(row_bytes, CHUNK)))
        for i in range(shape[0]):
            if i in keep:
                _fill(name, stream, memoryview(out[keep[i] : keep[i] + 1].reshape(-1).view(np.uint8)))
                continue
            for start in range(0, row_bytes, len(scratch)):
                _fill(name, stream, scratch[: min(len(scratch), row_bytes - start)])
    if stream.read(1):  # also makes zipfile check the CRC if it has not yet
        raise NpzError(f"'{name}' has more data than its shape {shape} declares")
    if not dtype.isnative:
        out = out.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return out


def _fill(name: str, stream: _Counting, buf: memoryview) -> None:
    """Fill ``buf`` from the stream in CHUNK pieces, or say the member is truncated."""
    pos = 0
    while pos < len(buf):
        n = stream.readinto(buf[pos : pos + CHUNK])
        if not n:
            raise NpzError(f"'{name}' is truncated ({pos} of {len(buf)} data bytes)")
        pos += n


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
