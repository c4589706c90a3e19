"""NumPy's BLAS threads, limited for a while and put back (where the BLAS is a bundled OpenBLAS)."""

import numpy as np
import pytest

from mlp_gui.core.blas_threads import blas_thread_count, blas_threads


def test_the_count_is_limited_inside_and_put_back_after():
    before = blas_thread_count()
    if before is None:
        with blas_threads(1) as limited:
            assert limited is False  # not OpenBLAS from NumPy's wheel: nothing changes, and it says so
        pytest.skip("NumPy's BLAS here is not a bundled OpenBLAS")
    with blas_threads(1) as limited:
        assert limited and blas_thread_count() == 1
        a = np.random.default_rng(0).standard_normal((300, 300))
        np.testing.assert_allclose(a @ np.eye(300), a)  # products still work
    assert blas_thread_count() == before
    with pytest.raises(RuntimeError), blas_threads(1):
        raise RuntimeError("an error inside")
    assert blas_thread_count() == before  # put back on the way out of an error too
