"""How many threads NumPy's BLAS uses, changed for a while: best effort, for OpenBLAS as NumPy's wheels bundle it.

OpenBLAS's threads meet after every matrix product. When another busy thread (a live run, another program)
holds one of two cores, each product waits for the thread that is not running: a slice of a 784,256,256,10 net
took 19 s with two BLAS threads on a loaded two-core machine and 3 s with one. :func:`blas_threads` sets the
count for the duration of a ``with`` block and puts it back after. Where the BLAS is not a bundled OpenBLAS
(system BLAS, MKL, Accelerate) it changes nothing and says so (it yields False); the count is per process.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: (get, set) symbol pairs, as scipy-openblas (NumPy >= 2 wheels) and plain OpenBLAS name them
_SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
            ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
            ("openblas_get_num_threads", "openblas_set_num_threads"))


@functools.lru_cache(maxsize=1)
def _controls() -> tuple[object, object] | None:
    """OpenBLAS's get and set functions in the library NumPy loaded, or None."""
    here = Path(np.__file__).resolve().parent
    for folder in (here.parent / "numpy.libs", here / ".dylibs"):
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else ():
            try:
                lib = ctypes.CDLL(str(path))  # already loaded by NumPy: the same library, not a second copy
            except OSError:
                continue
            for get, put in _SYMBOLS:
                if hasattr(lib, get) and hasattr(lib, put):
                    getter, setter = getattr(lib, get), getattr(lib, put)
                    getter.restype, setter.restype = ctypes.c_int, None
                    setter.argtypes = [ctypes.c_int]
                    return getter, setter
    return None


def blas_thread_count() -> int | None:
    """The threads NumPy's BLAS uses now (None where that cannot be known)."""
    controls = _controls()
    return int(controls[0]()) if controls else None  # type: ignore[operator]


@contextmanager
def blas_threads(n: int) -> Iterator[bool]:
    """Let NumPy's BLAS use ``n`` threads inside the block; yields whether it could (see the module's docstring)."""
    controls = _controls()
    if controls is None:
        yield False
        return
    getter, setter = controls
    before = int(getter())  # type: ignore[operator]
    setter(max(1, int(n)))  # type: ignore[operator]
    try:
        yield True
    finally:
        setter(before)  # type: ignore[operator]


__all__ = ["blas_thread_count", "blas_threads"]
