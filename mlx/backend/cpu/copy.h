// Copies with dtype conversion: the kernel behind astype, contiguous and
// every op that needs its input in a dense layout.
#pragma once

#include "mlx/array.h"

namespace mlx::core::cpu {

// Allocates `out` and copies `in` into it, casting to out's dtype. When
// `keep_layout` and `in` is dense, `out` takes in's strides (a flat loop);
// otherwise `out` is row contiguous.
void copy(const array& in, array& out, bool keep_layout);

// Gives `out` the buffer of `in` when `in` is donatable (see
// array::is_donatable), row contiguous, stored once per element and of the
// same size and item size as `out`: the kernel then writes its output over
// the input it reads (elementwise, or in place as scatter). Returns whether
// it did.
bool donate(const array& in, array& out);

// float16/bfloat16 <-> float32 for n contiguous values (F16C where the
// CPU has it: GCC leaves _Float16 conversions scalar).
void widen_half(const float16_t* in, float* out, size_t n);
void narrow_half(const float* in, float16_t* out, size_t n);
void widen_half(const bfloat16_t* in, float* out, size_t n);
void narrow_half(const float* in, bfloat16_t* out, size_t n);

// A row-contiguous version of `in` (itself when it already is).
array ensure_row_contiguous(const array& in);

// A row-contiguous version of `in` in dtype t (itself when it already is).
array row_contiguous_as(const array& in, Dtype t);

} // namespace mlx::core::cpu
