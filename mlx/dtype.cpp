#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/dtype.h"

#include <sstream>

namespace mlx::core {

namespace {

constexpr int idx(Dtype t) { return static_cast<int>(t.val); }

constexpr Dtype::Kind kinds[Dtype::num_types] = {
    Dtype::Kind::b, Dtype::Kind::u, Dtype::Kind::u, Dtype::Kind::u, Dtype::Kind::u,
    Dtype::Kind::i, Dtype::Kind::i, Dtype::Kind::i, Dtype::Kind::i, Dtype::Kind::f,
    Dtype::Kind::f, Dtype::Kind::f, Dtype::Kind::V, Dtype::Kind::c};

// MLX's promotion table. Row and column follow Dtype::Val's order.
// clang-format off
#define B bool_
#define U8 uint8
#define U16 uint16
#define U32 uint32
#define U64 uint64
#define I8 int8
#define I16 int16
#define I32 int32
#define I64 int64
#define F16 float16
#define F32 float32
#define F64 float64
#define BF bfloat16
#define C64 complex64
constexpr Dtype promotion[Dtype::num_types][Dtype::num_types] = {
//          bool  u8   u16  u32  u64  i8   i16  i32  i64  f16  f32  f64  bf16 c64
/* bool */ {B,    U8,  U16, U32, U64, I8,  I16, I32, I64, F16, F32, F64, BF,  C64},
/* u8   */ {U8,   U8,  U16, U32, U64, I16, I16, I32, I64, F16, F32, F64, BF,  C64},
/* u16  */ {U16,  U16, U16, U32, U64, I32, I32, I32, I64, F16, F32, F64, BF,  C64},
/* u32  */ {U32,  U32, U32, U32, U64, I64, I64, I64, I64, F16, F32, F64, BF,  C64},
/* u64  */ {U64,  U64, U64, U64, U64, F32, F32, F32, F32, F16, F32, F64, BF,  C64},
/* i8   */ {I8,   I16, I32, I64, F32, I8,  I16, I32, I64, F16, F32, F64, BF,  C64},
/* i16  */ {I16,  I16, I32, I64, F32, I16, I16, I32, I64, F16, F32, F64, BF,  C64},
/* i32  */ {I32,  I32, I32, I64, F32, I32, I32, I32, I64, F16, F32, F64, BF,  C64},
/* i64  */ {I64,  I64, I64, I64, F32, I64, I64, I64, I64, F16, F32, F64, BF,  C64},
/* f16  */ {F16,  F16, F16, F16, F16, F16, F16, F16, F16, F16, F32, F64, F32, C64},
/* f32  */ {F32,  F32, F32, F32, F32, F32, F32, F32, F32, F32, F32, F64, F32, C64},
/* f64  */ {F64,  F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, C64},
/* bf16 */ {BF,   BF,  BF,  BF,  BF,  BF,  BF,  BF,  BF,  F32, F32, F64, BF,  C64},
/* c64  */ {C64,  C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64},
};
#undef B
#undef U8
#undef U16
#undef U32
#undef U64
#undef I8
#undef I16
#undef I32
#undef I64
#undef F16
#undef F32
#undef F64
#undef BF
#undef C64
// clang-format on

} // namespace

Dtype::Kind kindof(Dtype t) { return kinds[idx(t)]; }

Dtype promote_types(Dtype a, Dtype b) { return promotion[idx(a)][idx(b)]; }

bool is_unsigned(Dtype t) { return kindof(t) == Dtype::Kind::u; }
bool is_floating_point(Dtype t) {
  auto k = kindof(t);
  return k == Dtype::Kind::f || k == Dtype::Kind::V;
}
bool is_complex(Dtype t) { return kindof(t) == Dtype::Kind::c; }
bool is_integral(Dtype t) {
  auto k = kindof(t);
  return k == Dtype::Kind::b || k == Dtype::Kind::u || k == Dtype::Kind::i;
}
bool is_inexact(Dtype t) { return is_floating_point(t) || is_complex(t); }

bool issubdtype(Dtype a, Dtype b) { return a == b; }

bool issubdtype(Dtype a, DtypeCategory c) {
  switch (c) {
    case DtypeCategory::complexfloating:
      return is_complex(a);
    case DtypeCategory::floating:
      return is_floating_point(a);
    case DtypeCategory::inexact:
      return is_inexact(a);
    case DtypeCategory::signedinteger:
      return kindof(a) == Dtype::Kind::i;
    case DtypeCategory::unsignedinteger:
      return kindof(a) == Dtype::Kind::u;
    case DtypeCategory::integer:
      return kindof(a) == Dtype::Kind::i || kindof(a) == Dtype::Kind::u;
    case DtypeCategory::number:
      return a != bool_;
    case DtypeCategory::generic:
      return true;
  }
  return false;
}

bool issubdtype(DtypeCategory, Dtype) { return false; }

bool issubdtype(DtypeCategory a, DtypeCategory b) {
  if (a == b) {
    return true;
  }
  switch (a) {
    case DtypeCategory::complexfloating:
    case DtypeCategory::floating:
      return b == DtypeCategory::inexact || b == DtypeCategory::number || b == DtypeCategory::generic;
    case DtypeCategory::signedinteger:
    case DtypeCategory::unsignedinteger:
      return b == DtypeCategory::integer || b == DtypeCategory::number || b == DtypeCategory::generic;
    case DtypeCategory::inexact:
    case DtypeCategory::integer:
      return b == DtypeCategory::number || b == DtypeCategory::generic;
    case DtypeCategory::number:
      return b == DtypeCategory::generic;
    case DtypeCategory::generic:
      return false;
  }
  return false;
}

std::string dtype_to_string(Dtype t) {
  static const char* names[Dtype::num_types] = {"bool",    "uint8",   "uint16",   "uint32",   "uint64",
                                                "int8",    "int16",   "int32",    "int64",    "float16",
                                                "float32", "float64", "bfloat16", "complex64"};
  return names[idx(t)];
}

std::ostream& operator<<(std::ostream& os, Dtype t) { return os << dtype_to_string(t); }

std::ostream& operator<<(std::ostream& os, DtypeCategory c) {
  static const char* names[] = {"complexfloating", "floating", "inexact", "signedinteger",
                                "unsignedinteger", "integer",  "number",  "generic"};
  return os << names[static_cast<int>(c)];
}

using detail::fail;

// ------------------------------------------------------------- dtype queries

bool can_cast(Dtype from, Dtype to) {
  // Safe exactly when promotion would pick `to` anyway.
  return promote_types(from, to) == to;
}

Dtype result_type(const std::vector<Dtype>& dtypes) {
  if (dtypes.empty()) {
    fail("result_type", "At least one array or dtype is required.");
  }
  Dtype t = dtypes[0];
  for (auto d : dtypes) {
    t = promote_types(t, d);
  }
  return t;
}

bool isdtype(Dtype dtype, const std::string& kind) {
  if (kind == "bool") {
    return dtype == bool_;
  }
  if (kind == "signed integer") {
    return is_integral(dtype) && dtype != bool_ && !is_unsigned(dtype);
  }
  if (kind == "unsigned integer") {
    return is_unsigned(dtype);
  }
  if (kind == "integral") {
    return is_integral(dtype) && dtype != bool_;
  }
  if (kind == "real floating") {
    return is_floating_point(dtype);
  }
  if (kind == "complex floating") {
    return is_complex(dtype);
  }
  if (kind == "numeric") {
    return dtype != bool_;
  }
  fail("isdtype", "Unknown data type kind: '", kind, "'.");
}

} // namespace mlx::core
