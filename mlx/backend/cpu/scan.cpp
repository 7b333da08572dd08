// eval_cpu of Scan (cumsum, cumprod, cummax, cummin, logcumsumexp) on a
// row-contiguous (outer, n, inner) layout. inner == 1 scans contiguous rows;
// otherwise whole inner rows are combined at a time (a vector loop).
// 16-bit floats accumulate in float32.
#include <cmath>
#include <limits>

#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/indexing_utils.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace {

template <typename A>
struct ScanOp {
  Scan::ReduceType type;
  A init() const {
    switch (type) {
      case Scan::Sum:
        return A(0);
      case Scan::Prod:
        return A(1);
      case Scan::Max:
        if constexpr (std::is_same_v<A, complex64_t>) {
          return A(-std::numeric_limits<float>::infinity(), 0);
        } else if constexpr (std::numeric_limits<A>::has_infinity) {
          return -std::numeric_limits<A>::infinity();
        } else {
          return std::numeric_limits<A>::lowest();
        }
      case Scan::Min:
        if constexpr (std::is_same_v<A, complex64_t>) {
          return A(std::numeric_limits<float>::infinity(), 0);
        } else if constexpr (std::numeric_limits<A>::has_infinity) {
          return std::numeric_limits<A>::infinity();
        } else {
          return std::numeric_limits<A>::max();
        }
      default:
        if constexpr (std::numeric_limits<A>::has_infinity) {
          return -std::numeric_limits<A>::infinity();
        } else {
          return A(0);
        }
    }
  }
  A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) {
      switch (type) {
        case Scan::Prod:
        case Scan::Min:
          return a && b;
        default:
          return a || b;
      }
    } else if constexpr (std::is_same_v<A, complex64_t>) {
      switch (type) {
        case Scan::Sum:
          return a + b;
        case Scan::Prod:
          return a * b;
        case Scan::Max:
          return (b.real() > a.real() || (b.real() == a.real() && b.imag() > a.imag())) ? b : a;
        case Scan::Min:
          return (b.real() < a.real() || (b.real() == a.real() && b.imag() < a.imag())) ? b : a;
        default:
          return a + b;
      }
    } else {
      switch (type) {
        case Scan::Sum:
          return a + b;
        case Scan::Prod:
          return a * b;
        case Scan::Max:
          return (b > a || b != b) ? b : a;
        case Scan::Min:
          return (b < a || b != b) ? b : a;
        default:
          if constexpr (std::is_floating_point_v<A>) {
            A m = a > b ? a : b;
            if (a == b) {
              return m + A(0.6931471805599453);
            }
            if (m == -std::numeric_limits<A>::infinity() || std::isnan(m)) {
              return (a != a || b != b) ? std::numeric_limits<A>::quiet_NaN() : m;
            }
            return m + std::log1p(std::exp(-(std::abs(a - b))));
          } else {
            return a + b;
          }
      }
    }
  }
};

template <typename T>
void scan_typed(const T* in, T* out, size_t outer, size_t n, size_t inner, Scan::ReduceType type,
                bool reverse, bool inclusive) {
  using A = cpu::compute_t<T>;
  ScanOp<A> op{type};
  int64_t step = reverse ? -1 : 1;
  if (inner == 1) {
    size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n, 1));
    cpu::parallel_for(outer, grain, [&](size_t b, size_t e) {
      for (size_t o = b; o < e; ++o) {
        const T* x = in + o * n;
        T* y = out + o * n;
        A acc = op.init();
        int64_t j = reverse ? int64_t(n) - 1 : 0;
        for (size_t c = 0; c < n; ++c, j += step) {
          A v = static_cast<A>(x[j]);
          if (inclusive) {
            acc = op(acc, v);
            y[j] = static_cast<T>(acc);
          } else {
            y[j] = static_cast<T>(acc);
            acc = op(acc, v);
          }
        }
      }
    });
    return;
  }
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n * inner, 1));
  cpu::parallel_for(outer, grain, [&](size_t b, size_t e) {
    std::vector<A> acc(inner);
    for (size_t o = b; o < e; ++o) {
      std::fill(acc.begin(), acc.end(), op.init());
      int64_t j = reverse ? int64_t(n) - 1 : 0;
      for (size_t c = 0; c < n; ++c, j += step) {
        const T* x = in + (o * n + j) * inner;
        T* y = out + (o * n + j) * inner;
        for (size_t k = 0; k < inner; ++k) {
          A v = static_cast<A>(x[k]);
          if (inclusive) {
            acc[k] = op(acc[k], v);
            y[k] = static_cast<T>(acc[k]);
          } else {
            y[k] = static_cast<T>(acc[k]);
            acc[k] = op(acc[k], v);
          }
        }
      }
    }
  });
}

} // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto in = cpu::ensure_row_contiguous(inputs[0]);
  auto& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  size_t outer = 1, n = out.shape(axis_), inner = 1;
  for (int i = 0; i < axis_; ++i) {
    outer *= out.shape(i);
  }
  for (int i = axis_ + 1; i < out.ndim(); ++i) {
    inner *= out.shape(i);
  }
  cpu::dispatch(cpu::AllTypes{}, out.dtype(), "Scan", [&](auto t) {
    using T = decltype(t);
    scan_typed<T>(in.data<T>(), out.data<T>(), outer, n, inner, type_, reverse_, inclusive_);
  });
}

} // namespace mlx::core
