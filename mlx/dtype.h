// Dtypes, MLX's promotion rules and dtype categories.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "mlx/types.h"

namespace mlx::core {

struct Dtype {
  // The order is MLX's and indexes the promotion table in dtype.cpp.
  enum class Val : uint8_t {
    bool_,
    uint8,
    uint16,
    uint32,
    uint64,
    int8,
    int16,
    int32,
    int64,
    float16,
    float32,
    float64,
    bfloat16,
    complex64,
  };
  static constexpr int num_types = 14;

  // b: bool, u: unsigned, i: signed, f: IEEE float, V: bfloat16, c: complex.
  enum class Kind : char { b = 'b', u = 'u', i = 'i', f = 'f', V = 'V', c = 'c' };

  Val val;
  uint8_t size;

  constexpr Dtype(Val v, uint8_t s) : val(v), size(s) {}
  constexpr bool operator==(const Dtype& o) const { return val == o.val; }
  constexpr bool operator!=(const Dtype& o) const { return val != o.val; }
};

inline constexpr Dtype bool_{Dtype::Val::bool_, 1};
inline constexpr Dtype uint8{Dtype::Val::uint8, 1};
inline constexpr Dtype uint16{Dtype::Val::uint16, 2};
inline constexpr Dtype uint32{Dtype::Val::uint32, 4};
inline constexpr Dtype uint64{Dtype::Val::uint64, 8};
inline constexpr Dtype int8{Dtype::Val::int8, 1};
inline constexpr Dtype int16{Dtype::Val::int16, 2};
inline constexpr Dtype int32{Dtype::Val::int32, 4};
inline constexpr Dtype int64{Dtype::Val::int64, 8};
inline constexpr Dtype float16{Dtype::Val::float16, 2};
inline constexpr Dtype float32{Dtype::Val::float32, 4};
inline constexpr Dtype float64{Dtype::Val::float64, 8};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16, 2};
inline constexpr Dtype complex64{Dtype::Val::complex64, 8};

// Abstract dtype groups, as NumPy's and MLX's hierarchy:
// generic > number > {integer > {signed, unsigned}, inexact > {floating, complex}}.
enum class DtypeCategory {
  complexfloating,
  floating,
  inexact,
  signedinteger,
  unsignedinteger,
  integer,
  number,
  generic,
};

inline constexpr Dtype all_dtypes[] = {bool_, uint8, uint16,  uint32,  uint64,  int8,     int16,
                                       int32, int64, float16, float32, float64, bfloat16, complex64};

Dtype::Kind kindof(Dtype t);
inline size_t size_of(Dtype t) { return t.size; }

Dtype promote_types(Dtype a, Dtype b);

bool is_unsigned(Dtype t);
bool is_floating_point(Dtype t); // float16/32/64, bfloat16 (not complex)
bool is_complex(Dtype t);
bool is_integral(Dtype t); // ints and bool
bool is_inexact(Dtype t);  // floating or complex

bool issubdtype(Dtype a, Dtype b);
bool issubdtype(Dtype a, DtypeCategory c);
bool issubdtype(DtypeCategory a, Dtype b);
bool issubdtype(DtypeCategory a, DtypeCategory b);

// "float32", "bool", ...: MLX's printed names.
std::string dtype_to_string(Dtype t);
std::ostream& operator<<(std::ostream& os, Dtype t);
std::ostream& operator<<(std::ostream& os, DtypeCategory c);

// C++ type of a dtype, and dtype of a C++ type.
template <typename T>
struct TypeToDtype;
#define MLX_TYPE_TO_DTYPE(T, D)       \
  template <>                         \
  struct TypeToDtype<T> {             \
    static constexpr Dtype value = D; \
  };
MLX_TYPE_TO_DTYPE(bool, bool_)
MLX_TYPE_TO_DTYPE(uint8_t, uint8)
MLX_TYPE_TO_DTYPE(uint16_t, uint16)
MLX_TYPE_TO_DTYPE(uint32_t, uint32)
MLX_TYPE_TO_DTYPE(uint64_t, uint64)
MLX_TYPE_TO_DTYPE(int8_t, int8)
MLX_TYPE_TO_DTYPE(int16_t, int16)
MLX_TYPE_TO_DTYPE(int32_t, int32)
MLX_TYPE_TO_DTYPE(int64_t, int64)
MLX_TYPE_TO_DTYPE(float16_t, float16)
MLX_TYPE_TO_DTYPE(float, float32)
MLX_TYPE_TO_DTYPE(double, float64)
MLX_TYPE_TO_DTYPE(bfloat16_t, bfloat16)
MLX_TYPE_TO_DTYPE(complex64_t, complex64)
#undef MLX_TYPE_TO_DTYPE

template <typename T>
inline constexpr Dtype dtype_of = TypeToDtype<T>::value;

} // namespace mlx::core
