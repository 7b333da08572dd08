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


_load_openblas()
