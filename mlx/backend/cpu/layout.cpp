// eval_cpu of the layout primitives: views share the input's buffer;
// concatenation copies into a fresh row-contiguous output.
#include <cstring>
#include <optional>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives.h"
#include "mlx/backend/cpu/indexing.h"

namespace mlx::core {

namespace {

// Makes `out` a view of `in` with the given strides and element offset.
void make_view(const array& in, array& out, const Strides& strides, int64_t offset = 0) {
  auto flags = cpu::compute_flags(out.shape(), strides);
  size_t data_size = flags.contiguous ? out.size() : in.data_size();
  out.copy_shared_buffer(in, strides, flags, data_size, offset);
}

// Strides that view `x` (in any layout) with `shape`, or nothing when the
// reshape needs a copy. Input and output dims pair up in runs of equal
// size; a run of input dims can be regrouped only if it is laid out as one
// dim (stride[k] == stride[k + 1] * shape[k + 1], size-1 dims ignored).
// Splitting the last axis of a column slice (q, k, v out of one qkv
// projection) or merging the leading axes of a transposed array are views.
std::optional<Strides> view_strides(const array& x, const Shape& shape) {
  std::vector<int64_t> in_shape, in_strides;
  for (int i = 0; i < x.ndim(); ++i) {
    if (x.shape(i) != 1) {
      in_shape.push_back(x.shape(i));
      in_strides.push_back(x.strides(i));
    }
  }
  const size_t n = shape.size();
  Strides strides(n, 0);
  size_t i = 0, j = 0;
  while (i < in_shape.size()) {
    while (shape[j] == 1) {
      ++j;
    }
    // The smallest runs [i, i1) and [j, j1) with equal products.
    size_t i1 = i + 1, j1 = j + 1;
    int64_t in_size = in_shape[i], out_size = shape[j];
    while (in_size != out_size) {
      if (in_size < out_size) {
        in_size *= in_shape[i1++];
      } else {
        out_size *= shape[j1++];
      }
    }
    for (size_t k = i; k + 1 < i1; ++k) {
      if (in_strides[k] != in_strides[k + 1] * in_shape[k + 1]) {
        return std::nullopt;
      }
    }
    int64_t st = in_strides[i1 - 1];
    for (size_t k = j1; k-- > j;) {
      strides[k] = st;
      st *= shape[k];
    }
    i = i1;
    j = j1;
  }
  // Size-1 output dims take the stride a row-major layout would give.
  for (size_t k = n; k-- > 0;) {
    if (shape[k] == 1) {
      strides[k] = k + 1 < n ? strides[k + 1] * shape[k + 1] : 1;
    }
  }
  return strides;
}

} // namespace

void Reshape::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  const auto& x = in[0];
  // Viewed where the input's layout allows (view_strides); otherwise the
  // input is copied to row-major first.
  if (x.size() > 0 && !x.flags().row_contiguous) {
    if (auto strides = view_strides(x, out[0].shape())) {
      make_view(x, out[0], *strides);
      return;
    }
  }
  auto dense = cpu::ensure_row_contiguous(x);
  auto strides = row_strides(out[0].shape());
  out[0].copy_shared_buffer(dense, strides, cpu::compute_flags(out[0].shape(), strides), dense.data_size());
}

void Transpose::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  Strides strides;
  for (int ax : axes_) {
    strides.push_back(in[0].strides(ax));
  }
  make_view(in[0], out[0], strides);
}

namespace cpu {

void broadcast_view(const array& x, array& out) {
  const auto& shape = out.shape();
  Strides strides(shape.size(), 0);
  int diff = int(shape.size()) - x.ndim();
  for (int i = 0; i < x.ndim(); ++i) {
    strides[i + diff] = (x.shape(i) == 1 && shape[i + diff] != 1) ? 0 : x.strides(i);
  }
  make_view(x, out, strides);
}

} // namespace cpu

void Broadcast::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::broadcast_view(in[0], out[0]); // out's shape: shape_, or inferred by shapeless compile
}

void Slice::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  const auto& x = in[0];
  Strides strides(x.ndim());
  int64_t offset = 0;
  for (int i = 0; i < x.ndim(); ++i) {
    strides[i] = x.strides(i) * strides_[i];
    if (out[0].shape(i) > 0) {
      offset += int64_t(start_[i]) * x.strides(i);
    }
  }
  make_view(x, out[0], strides, offset);
}

void Split::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  const auto& x = in[0];
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t offset = out[i].size() > 0 ? int64_t(bounds_[i]) * x.strides(axis_) : 0;
    make_view(x, out[i], x.strides(), offset);
  }
}

void View::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  auto x = cpu::ensure_row_contiguous(in[0]);
  auto& o = out[0];
  auto strides = row_strides(o.shape());
  o.copy_shared_buffer(x, strides, cpu::compute_flags(o.shape(), strides),
                       x.data_size() * x.itemsize() / o.itemsize());
}

void Concatenate::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  auto strides = row_strides(out.shape());
  char* base = out.data<char>();
  int64_t offset = 0;
  for (auto& in : inputs) {
    cpu::copy_into(in, base + offset * out.itemsize(), strides);
    offset += int64_t(in.shape(axis_)) * strides[axis_];
  }
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto in = cpu::ensure_row_contiguous(inputs[0]);
  auto& out = outputs[0];
  auto flags = cpu::compute_flags(out.shape(), strides_);
  // A dense view may still overlap itself (stride 0); only claim contiguity
  // when the strides describe exactly out.size() elements.
  size_t data_size = flags.contiguous ? out.size() : in.data_size();
  out.copy_shared_buffer(in, strides_, flags, data_size, int64_t(offset_));
}

} // namespace mlx::core
