// eval_cpu of Fused: blocks of elements run through every step while they
// are in cache. Each step is the primitive's own kernel applied to block
// views (an input is viewed at the block's offset, or as its one value when
// broadcast), so fused and separate evaluation compute the same numbers.
#include <cstring>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives/fused.h"

namespace mlx::core {

namespace {

// Elements per block: a few step values of this size stay in L2.
constexpr size_t kBlock = size_t(1) << 14;

bool single_value(const array& x) {
  for (int d = 0; d < x.ndim(); ++d) {
    if (x.shape(d) > 1 && x.strides(d) != 0) {
      return false;
    }
  }
  return true;
}

// Elements [offset, offset + len) of a row-contiguous x, or its one value
// repeated, as a 1-D array sharing x's buffer.
array block_view(const array& x, size_t offset, size_t len, bool repeated) {
  array v(Shape{static_cast<ShapeElem>(len)}, x.dtype(), nullptr, {});
  if (repeated) {
    v.copy_shared_buffer(x, Strides{0}, {false, false, false}, 1);
  } else {
    v.copy_shared_buffer(x, Strides{1}, {true, true, true}, len, static_cast<int64_t>(offset));
  }
  return v;
}

} // namespace

void Fused::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  size_t n = outputs[0].size();
  for (auto& o : outputs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  if (n == 0) {
    return;
  }
  // Inputs as row-contiguous arrays or single values.
  std::vector<array> ins;
  std::vector<bool> repeated;
  for (auto& x : inputs) {
    bool one = single_value(x);
    repeated.push_back(one);
    ins.push_back(one ? x : cpu::ensure_row_contiguous(x));
  }
  size_t blocks = (n + kBlock - 1) / kBlock;
  cpu::parallel_for(blocks, 1, [&](size_t b0, size_t b1) {
    std::vector<array> values;
    for (size_t b = b0; b < b1; ++b) {
      size_t offset = b * kBlock, len = std::min(kBlock, n - offset);
      values.clear();
      for (const auto& step : steps_) {
        std::vector<array> args;
        for (int a : step.args) {
          args.push_back(a >= 0 ? block_view(ins[a], offset, len, repeated[a]) : values[-1 - a]);
        }
        std::vector<array> out = {array(Shape{static_cast<ShapeElem>(len)}, step.dtype, nullptr, {})};
        step.primitive->eval_cpu(args, out);
        values.push_back(cpu::ensure_row_contiguous(out[0]));
      }
      for (size_t k = 0; k < output_steps_.size(); ++k) {
        const array& v = values[output_steps_[k]];
        size_t item = v.itemsize();
        std::memcpy(outputs[k].data<char>() + offset * item, v.data<char>(), len * item);
      }
    }
  });
}

} // namespace mlx::core
