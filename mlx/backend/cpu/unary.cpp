// eval_cpu of the unary elementwise primitives.
#include <cmath>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/backend/cpu/unary_ops.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace cpu {
namespace {

template <typename T, typename U, typename Op>
MLX_SIMD_CLONES void unary_contiguous(const T* in, U* out, size_t n, Op op) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = scalar_cast<U>(op(static_cast<compute_t<T>>(in[i])));
  }
}

template <typename T, typename U, typename Op>
void unary_strided(const T* in, int64_t stride, U* out, size_t n, Op op) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = scalar_cast<U>(op(static_cast<compute_t<T>>(in[i * stride])));
  }
}

// out = op(in). A dense input gives an output with the same strides (one
// flat loop); any other layout is read strided into a row-contiguous output.
template <typename T, typename U, typename Op>
void unary_typed(const array& in, array& out, Op op) {
  const T* src = in.data<T>();
  if (in.flags().contiguous && in.data_size() == in.size()) {
    if (sizeof(T) != sizeof(U) || !donate(in, out)) {
      out.set_data(allocator::malloc(in.data_size() * sizeof(U)), in.data_size(),
                   in.strides(), in.flags());
    }
    U* dst = out.data<U>();
    parallel_for(in.data_size(), kParallelGrain, [&](size_t b, size_t e) {
      unary_contiguous(src + b, dst + b, e - b, op);
    });
    return;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  U* dst = out.data<U>();
  auto [shape, strides] = collapse_dims<1>(in.shape(), {in.strides()});
  if (shape.empty()) {
    *dst = scalar_cast<U>(op(static_cast<compute_t<T>>(*src)));
    return;
  }
  size_t inner = shape.back();
  int64_t st = strides[0].back();
  size_t rows = num_rows(shape);
  parallel_for(rows, std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1)),
               [&](size_t rb, size_t re) {
                 U* o = dst + rb * inner;
                 for_each_row<1>(shape, strides, rb, re, [&](const std::array<int64_t, 1>& off) {
                   unary_strided(src + off[0], st, o, inner, op);
                   o += inner;
                 });
               });
}

// Output dtype equals input dtype.
template <typename Types, typename Op>
void unary_same(const array& in, array& out, const char* name, Op op) {
  dispatch(Types{}, in.dtype(), name, [&](auto t) {
    using T = decltype(t);
    unary_typed<T, T>(in, out, op);
  });
}

// Output dtype is fixed (bool for predicates, float32 for real/imag/abs).
template <typename U, typename Types, typename Op>
void unary_to(const array& in, array& out, const char* name, Op op) {
  dispatch(Types{}, in.dtype(), name, [&](auto t) {
    unary_typed<decltype(t), U>(in, out, op);
  });
}

struct RoundOp {
  double scale;
  complex64_t operator()(complex64_t x) const {
    return {(*this)(x.real()), (*this)(x.imag())};
  }
  template <typename T>
  T operator()(T x) const {
    if (scale == 1.0) {
      return std::nearbyint(x);
    }
    return T(std::nearbyint(double(x) * scale) / scale);
  }
};

} // namespace
} // namespace cpu

using cpu::AllTypes;
using cpu::FloatTypes;
using cpu::InexactTypes;

#define MLX_UNARY_EVAL(Name, Types)                                          \
  void Name::eval_cpu(const std::vector<array>& in, std::vector<array>& out) { \
    cpu::unary_same<Types>(in[0], out[0], #Name, cpu::ops::Name{});          \
  }

MLX_UNARY_EVAL(Negative, AllTypes)
MLX_UNARY_EVAL(Sign, AllTypes)
MLX_UNARY_EVAL(Square, AllTypes)
MLX_UNARY_EVAL(Sqrt, InexactTypes)
MLX_UNARY_EVAL(Rsqrt, InexactTypes)
MLX_UNARY_EVAL(Exp, InexactTypes)
MLX_UNARY_EVAL(Expm1, InexactTypes)
MLX_UNARY_EVAL(Log, InexactTypes)
MLX_UNARY_EVAL(Log2, InexactTypes)
MLX_UNARY_EVAL(Log10, InexactTypes)
MLX_UNARY_EVAL(Log1p, InexactTypes)
MLX_UNARY_EVAL(Sin, InexactTypes)
MLX_UNARY_EVAL(Cos, InexactTypes)
MLX_UNARY_EVAL(Tan, InexactTypes)
MLX_UNARY_EVAL(ArcSin, InexactTypes)
MLX_UNARY_EVAL(ArcCos, InexactTypes)
MLX_UNARY_EVAL(ArcTan, InexactTypes)
MLX_UNARY_EVAL(Sinh, InexactTypes)
MLX_UNARY_EVAL(Cosh, InexactTypes)
MLX_UNARY_EVAL(Tanh, InexactTypes)
MLX_UNARY_EVAL(ArcSinh, InexactTypes)
MLX_UNARY_EVAL(ArcCosh, InexactTypes)
MLX_UNARY_EVAL(ArcTanh, InexactTypes)
MLX_UNARY_EVAL(Sigmoid, InexactTypes)
MLX_UNARY_EVAL(Erf, FloatTypes)
MLX_UNARY_EVAL(ErfInv, FloatTypes)
MLX_UNARY_EVAL(Floor, FloatTypes)
MLX_UNARY_EVAL(Ceil, FloatTypes)
MLX_UNARY_EVAL(LogicalNot, cpu::BoolT)
MLX_UNARY_EVAL(BitwiseInvert, cpu::IntTypes)
MLX_UNARY_EVAL(Conjugate, cpu::TypeList<complex64_t>)
#undef MLX_UNARY_EVAL


void Abs::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  if (is_complex(in[0].dtype())) {
    cpu::unary_to<float, cpu::TypeList<complex64_t>>(in[0], out[0], "Abs", cpu::ops::Abs{});
  } else {
    cpu::unary_same<cpu::RealTypes>(in[0], out[0], "Abs", cpu::ops::Abs{});
  }
}

void Real::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::unary_to<float, cpu::TypeList<complex64_t>>(in[0], out[0], "Real", cpu::ops::Real{});
}

void Imag::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::unary_to<float, cpu::TypeList<complex64_t>>(in[0], out[0], "Imag", cpu::ops::Imag{});
}

#define MLX_PREDICATE_EVAL(Name)                                             \
  void Name::eval_cpu(const std::vector<array>& in, std::vector<array>& out) { \
    cpu::unary_to<bool, InexactTypes>(in[0], out[0], #Name, cpu::ops::Name{}); \
  }
MLX_PREDICATE_EVAL(IsNaN)
MLX_PREDICATE_EVAL(IsInf)
MLX_PREDICATE_EVAL(IsFinite)
#undef MLX_PREDICATE_EVAL

void Round::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::unary_same<InexactTypes>(in[0], out[0], "Round",
                              cpu::RoundOp{std::pow(10.0, decimals_)});
}

void AsType::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::copy(in[0], out[0], /* keep_layout */ true);
}

void Copy::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  // Buffers are never written after evaluation, so a row-contiguous input
  // can be shared instead of copied.
  if (in[0].flags().row_contiguous && in[0].data_size() == in[0].size()) {
    out[0].copy_shared_buffer(in[0]);
    return;
  }
  cpu::copy(in[0], out[0], /* keep_layout */ false);
}

} // namespace mlx::core
