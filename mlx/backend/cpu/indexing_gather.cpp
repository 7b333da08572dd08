// eval_cpu of Gather: for each index position, copy one slice of the source
// into the row-contiguous output. Threads over index positions (or over the
// slice when there are few positions and large slices).
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/indexing.h"
#include "mlx/primitives.h"

namespace mlx::core {

void Gather::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& src = inputs[0];
  auto& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  size_t nidx = inputs.size() - 1;
  size_t n = nidx == 0 ? 1 : inputs[1].size();
  if (nidx == 1 && shape_size(slice_sizes_) == 1 && inputs[1].flags().row_contiguous) {
    // One element per index (take of a flat array and the like): read the
    // indices in their own type, no offset table.
    int ax = axes_[0];
    int64_t dim = src.shape(ax), st = src.strides(ax);
    cpu::dispatch(cpu::IntTypes{}, inputs[1].dtype(), "Gather", [&](auto it) {
      using I = decltype(it);
      const I* idx = inputs[1].data<I>();
      cpu::dispatch_bytes(out.itemsize(), [&](auto t) {
        using T = decltype(t);
        const T* s = src.data<T>();
        T* o = out.data<T>();
        cpu::parallel_for(n, cpu::kParallelGrain, [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) {
            o[i] = s[cpu::clamp_index(static_cast<int64_t>(idx[i]), dim, 1) * st];
          }
        });
      });
    });
    return;
  }
  // Element offset of each index position's slice start in src.
  std::vector<int64_t> base(n, 0);
  for (size_t k = 0; k < nidx; ++k) {
    int ax = axes_[k];
    auto v = cpu::index_values(inputs[k + 1]);
    int64_t dim = src.shape(ax), len = slice_sizes_[ax], st = src.strides(ax);
    cpu::add_index_offsets(base, v, dim, len, st);
  }
  size_t slice_size = shape_size(slice_sizes_);
  auto [shape, strides] = cpu::collapse_dims<2>(slice_sizes_, {src.strides(), row_strides(slice_sizes_)});
  cpu::dispatch_bytes(out.itemsize(), [&](auto t) {
    using T = decltype(t);
    const T* s = src.data<T>();
    T* o = out.data<T>();
    if (shape.empty()) {
      // One element per index position.
      cpu::parallel_for(n, cpu::kParallelGrain, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          o[i] = s[base[i]];
        }
      });
      return;
    }
    size_t inner = shape.back();
    int64_t is = strides[0].back();
    size_t rows = cpu::num_rows(shape);
    auto copy_rows = [&](size_t i, size_t rb, size_t re) {
      T* dst = o + i * slice_size + rb * inner;
      cpu::for_each_row<2>(shape, strides, rb, re, [&](const std::array<int64_t, 2>& off) {
        const T* sp = s + base[i] + off[0];
        if (is == 1) {
          std::memcpy(dst, sp, inner * sizeof(T));
        } else {
          for (size_t j = 0; j < inner; ++j) {
            dst[j] = sp[j * is];
          }
        }
        dst += inner;
      });
    };
    if (n >= size_t(cpu::num_threads()) * 4 || rows == 1) {
      size_t grain = std::max<size_t>(1, cpu::kParallelGrain / slice_size);
      cpu::parallel_for(n, grain, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          copy_rows(i, 0, rows);
        }
      });
    } else {
      for (size_t i = 0; i < n; ++i) {
        cpu::parallel_for(rows, std::max<size_t>(1, cpu::kParallelGrain / inner),
                          [&](size_t rb, size_t re) { copy_rows(i, rb, re); });
      }
    }
  });
}

} // namespace mlx::core
