// Copies with dtype conversion: the kernel behind astype, contiguous and
// every op that needs its input in a dense layout.
#pragma once

#include "mlx/array.h"

namespace mlx::core::cpu {

// Allocates `out` and copies `in` into it, casting to out's dtype. When
// `keep_layout` and `in` is dense, `out` takes in's strides (a flat loop);
// otherwise `out` is row contiguous.
void copy(const array& in, array& out, bool keep_layout);

// A row-contiguous version of `in` (itself when it already is).
array ensure_row_contiguous(const array& in);

} // namespace mlx::core::cpu
