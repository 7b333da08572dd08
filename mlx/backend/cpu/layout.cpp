// eval_cpu of the creation and layout primitives: views share the input's
// buffer; the rest fill or copy.
#include <cstring>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives.h"
#include "mlx/primitives/split.h"

namespace mlx::core {

namespace {

// Makes `out` a view of `in` with the given strides and element offset.
void make_view(const array& in, array& out, const Strides& strides, int64_t offset = 0) {
  auto flags = cpu::compute_flags(out.shape(), strides);
  size_t data_size = flags.contiguous ? out.size() : in.data_size();
  out.copy_shared_buffer(in, strides, flags, data_size, offset);
}

} // namespace

void Arange::eval_cpu(const std::vector<array>&, std::vector<array>& out) {
  auto& o = out[0];
  o.set_data(allocator::malloc(o.nbytes()));
  cpu::dispatch(cpu::RealTypes{}, o.dtype(), "Arange", [&](auto t) {
    using T = decltype(t);
    T* p = o.data<T>();
    for (size_t i = 0; i < o.size(); ++i) {
      p[i] = scalar_cast<T>(start_ + double(i) * step_);
    }
  });
}

void Full::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::copy(in[0], out[0], /* keep_layout */ false);
}

void Reshape::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  const auto& x = in[0];
  // A row-contiguous input is viewed; any other layout is copied first.
  auto dense = cpu::ensure_row_contiguous(x);
  auto strides = row_strides(out[0].shape());
  out[0].copy_shared_buffer(dense, strides, cpu::compute_flags(out[0].shape(), strides),
                            dense.data_size());
}

void Transpose::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  Strides strides;
  for (int ax : axes_) {
    strides.push_back(in[0].strides(ax));
  }
  make_view(in[0], out[0], strides);
}

void Broadcast::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  const auto& x = in[0];
  Strides strides(shape_.size(), 0);
  int diff = int(shape_.size()) - x.ndim();
  for (int i = 0; i < x.ndim(); ++i) {
    strides[i + diff] = (x.shape(i) == 1 && shape_[i + diff] != 1) ? 0 : x.strides(i);
  }
  make_view(x, out[0], strides);
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

void StopGradient::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  out[0].copy_shared_buffer(in[0]);
}

void View::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  auto x = cpu::ensure_row_contiguous(in[0]);
  auto& o = out[0];
  auto strides = row_strides(o.shape());
  o.copy_shared_buffer(x, strides, cpu::compute_flags(o.shape(), strides),
                       x.data_size() * x.itemsize() / o.itemsize());
}

} // namespace mlx::core
