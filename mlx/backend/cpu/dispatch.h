// Dtype dispatch over a chosen list of types, so that each kernel is
// instantiated only for the dtypes its op accepts.
#pragma once

#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "mlx/array.h"

namespace mlx::core::cpu {

template <typename... Ts>
struct TypeList {};

using BoolT = TypeList<bool>;
using IntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t>;
using IntBoolTypes = TypeList<bool, uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t>;
using FloatTypes = TypeList<float16_t, bfloat16_t, float, double>;
using InexactTypes = TypeList<float16_t, bfloat16_t, float, double, complex64_t>;
using RealTypes = TypeList<bool, uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t,
                           float16_t, bfloat16_t, float, double>;
using ComplexTypes = TypeList<complex64_t>;
using AllTypes = TypeList<bool, uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t,
                          float16_t, bfloat16_t, float, double, complex64_t>;

// Whether the list holds float (the float32 kernels of fused chains).
template <typename Types>
inline constexpr bool kHasFloat = false;
template <typename... Ts>
inline constexpr bool kHasFloat<TypeList<Ts...>> = (std::is_same_v<Ts, float> || ...);

// Calls f(T{}) for the T in the list whose dtype is `dtype`; throws a
// RuntimeError naming `op` for dtypes outside the list.
template <typename... Ts, typename F>
void dispatch(TypeList<Ts...>, Dtype dtype, const char* op, F&& f) {
  bool done = ((dtype == dtype_of<Ts> ? (f(Ts{}), true) : false) || ...);
  if (!done) {
    std::ostringstream msg;
    msg << "[" << op << "] Unsupported dtype " << dtype << ".";
    throw std::runtime_error(msg.str());
  }
}

} // namespace mlx::core::cpu
