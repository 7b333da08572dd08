#include "mlx/backend/cpu/copy.h"

#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/stream.h"

namespace mlx::core::cpu {

namespace {

template <typename In, typename Out>
MLX_SIMD_CLONES void convert(const In* in, Out* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = scalar_cast<Out>(in[i]);
  }
}

template <typename In, typename Out>
void convert_strided(const In* in, int64_t stride, Out* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = scalar_cast<Out>(in[i * stride]);
  }
}

template <typename In, typename Out>
void copy_typed(const array& in, array& out, bool flat) {
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (flat) {
    size_t n = in.data_size();
    parallel_for(n, kParallelGrain, [&](size_t b, size_t e) {
      convert(src + b, dst + b, e - b);
    });
    return;
  }
  auto [shape, strides] = collapse_dims<1>(in.shape(), {in.strides()});
  if (shape.empty()) {
    *dst = scalar_cast<Out>(*src);
    return;
  }
  size_t inner = shape.back();
  int64_t inner_stride = strides[0].back();
  size_t rows = num_rows(shape);
  size_t grain = std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1));
  parallel_for(rows, grain, [&](size_t rb, size_t re) {
    Out* o = dst + rb * inner;
    for_each_row<1>(shape, strides, rb, re, [&](const std::array<int64_t, 1>& off) {
      if (inner_stride == 1) {
        convert(src + off[0], o, inner);
      } else {
        convert_strided(src + off[0], inner_stride, o, inner);
      }
      o += inner;
    });
  });
}

} // namespace

void copy(const array& in, array& out, bool keep_layout) {
  bool flat = in.flags().contiguous && in.data_size() == in.size();
  if (flat && keep_layout) {
    out.set_data(
        allocator::malloc(in.data_size() * out.itemsize()),
        in.data_size(),
        in.strides(),
        in.flags());
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
    flat = flat && in.flags().row_contiguous;
  }
  if (in.size() == 0) {
    return;
  }
  dispatch_dtype(in.dtype(), [&](auto in_t) {
    dispatch_dtype(out.dtype(), [&](auto out_t) {
      copy_typed<decltype(in_t), decltype(out_t)>(in, out, flat);
    });
  });
}

array ensure_row_contiguous(const array& in) {
  if (in.flags().row_contiguous) {
    return in;
  }
  array out(in.shape(), in.dtype(), nullptr, {});
  copy(in, out, false);
  return out;
}

} // namespace mlx::core::cpu
