"""MLX-compatible array framework: a C++ engine (mlx.core) with Python layers."""

import ctypes as _ctypes
import os as _os


def _load_openblas():
    # libmlx finds OpenBLAS through its RPATH in an installed wheel; loading
    # it here first also covers other layouts (editable builds, relocations).
    try:
        import scipy_openblas32 as _ob
    except ImportError:
        return
    path = _os.path.join(_ob.get_lib_dir(), "libscipy_openblas.so")
    if _os.path.exists(path):
        _ctypes.CDLL(path, mode=_ctypes.RTLD_GLOBAL)


def _single_threaded_openblas(load):
    # mlx runs each BLAS call on one thread of its own pool. OpenBLAS, left
    # to itself, starts a thread per core when it loads (importing
    # scipy_openblas32 loads it), and those spin for the first half second
    # or so: the first products ran at half speed on a 2-core host. It reads
    # OPENBLAS_NUM_THREADS as it loads; the variable is put back at once, so
    # an OpenBLAS loaded later (NumPy's) keeps its threads.
    before = _os.environ.get("OPENBLAS_NUM_THREADS")
    _os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        load()
    finally:
        if before is None:
            del _os.environ["OPENBLAS_NUM_THREADS"]
        else:
            _os.environ["OPENBLAS_NUM_THREADS"] = before


_single_threaded_openblas(_load_openblas)
