// eval_cpu of Concatenate, AsStrided and SliceUpdate: strided copies into a
// fresh row-contiguous output, or a view.
#include "mlx/backend/cpu/indexing_utils.h"
#include "mlx/primitives.h"

namespace mlx::core {

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

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  const auto& src = inputs[0];
  const auto& upd = inputs[1];
  // The update is written over src itself when nothing else sees it.
  if (!cpu::donate(src, out)) {
    cpu::copy(src, out, /* keep_layout */ false);
  }
  auto rs = row_strides(out.shape());
  Strides strides(out.ndim());
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) {
    strides[i] = rs[i] * strides_[i];
    offset += int64_t(start_[i]) * rs[i];
  }
  cpu::copy_into(upd, out.data<char>() + offset * out.itemsize(), strides);
}

} // namespace mlx::core
