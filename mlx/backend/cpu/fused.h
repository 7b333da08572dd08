// The float32 kernels that fused chains call on raw pointers, one per
// elementwise class that has one. The elementwise kernel files register
// them (from the rows of primitives/elementwise_table.h); the device-neutral
// classes know nothing of them.
#pragma once

#include <cstddef>
#include <typeindex>

#include "mlx/primitive.h"

namespace mlx::core::cpu {

// The kernel over n contiguous float32 values, which fused chains of small
// arrays call block by block: in[k] points at n values, or at one when
// scalar[k].
using Float32Kernel = void (*)(const float* const* in, const bool* scalar, float* out, size_t n);

// The kernel of p's class; null where it has no float32 -> float32 form
// (such steps run eval_cpu on block views instead).
Float32Kernel float32_kernel(const Primitive& p);

// Records the kernel of a class (a null kernel records nothing). Called
// while the library loads; returns true so that it can initialize a static.
bool register_float32_kernel(std::type_index cls, Float32Kernel kernel);

} // namespace mlx::core::cpu
