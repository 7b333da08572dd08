// eval_cpu of Sort, ArgSort, Partition, ArgPartition and SearchSorted.
// Each works on rows along the axis of a row-contiguous (outer, n, inner)
// layout; rows are threaded. NaNs order after every number.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/indexing_utils.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace {

// Strict weak order with NaNs last (complex: by real, then imaginary part).
template <typename T>
struct SortLess {
  bool operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, complex64_t>) {
      return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
    } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> ||
                         std::is_same_v<T, bfloat16_t>) {
      using C = cpu::compute_t<T>;
      C x = static_cast<C>(a), y = static_cast<C>(b);
      if (std::isnan(y)) {
        return !std::isnan(x);
      }
      return x < y;
    } else {
      return a < b;
    }
  }
};

struct RowLayout {
  size_t outer, n, inner;
};

RowLayout row_layout(const array& a, int axis) {
  RowLayout l{1, size_t(a.shape(axis)), 1};
  for (int i = 0; i < axis; ++i) {
    l.outer *= a.shape(i);
  }
  for (int i = axis + 1; i < a.ndim(); ++i) {
    l.inner *= a.shape(i);
  }
  return l;
}

// Calls f(row_ptr_offset, stride) for every row, threaded.
template <typename F>
void for_rows(const RowLayout& l, F&& f) {
  size_t rows = l.outer * l.inner;
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(l.n * 8, 1));
  cpu::parallel_for(rows, grain, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      size_t o = r / l.inner, i = r % l.inner;
      f(o * l.n * l.inner + i, l.inner);
    }
  });
}

template <typename T>
void sort_values(T* data, const RowLayout& l, bool partial, int kth) {
  SortLess<T> less;
  for_rows(l, [&](size_t off, size_t stride) {
    T* row = data + off;
    if (stride == 1) {
      partial ? std::nth_element(row, row + kth, row + l.n, less) : std::sort(row, row + l.n, less);
      return;
    }
    std::vector<T> tmp(l.n);
    for (size_t j = 0; j < l.n; ++j) {
      tmp[j] = row[j * stride];
    }
    partial ? std::nth_element(tmp.begin(), tmp.begin() + kth, tmp.end(), less)
            : std::sort(tmp.begin(), tmp.end(), less);
    for (size_t j = 0; j < l.n; ++j) {
      row[j * stride] = tmp[j];
    }
  });
}

template <typename T>
void sort_indices(const T* data, uint32_t* out, const RowLayout& l, bool partial, int kth) {
  SortLess<T> less;
  for_rows(l, [&](size_t off, size_t stride) {
    const T* row = data + off;
    std::vector<uint32_t> idx(l.n);
    std::iota(idx.begin(), idx.end(), 0u);
    auto cmp = [&](uint32_t a, uint32_t b) { return less(row[a * stride], row[b * stride]); };
    partial ? std::nth_element(idx.begin(), idx.begin() + kth, idx.end(), cmp)
            : std::stable_sort(idx.begin(), idx.end(), cmp);
    for (size_t j = 0; j < l.n; ++j) {
      out[off + j * stride] = idx[j];
    }
  });
}

void eval_values(const array& in, array& out, int axis, bool partial, int kth) {
  cpu::copy(in, out, /* keep_layout */ false);
  if (out.size() == 0) {
    return;
  }
  auto l = row_layout(out, axis);
  cpu::dispatch(cpu::AllTypes{}, out.dtype(), partial ? "Partition" : "Sort", [&](auto t) {
    using T = decltype(t);
    sort_values<T>(out.data<T>(), l, partial, kth);
  });
}

void eval_indices(const array& in_raw, array& out, int axis, bool partial, int kth) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  auto in = cpu::ensure_row_contiguous(in_raw);
  auto l = row_layout(in, axis);
  cpu::dispatch(cpu::AllTypes{}, in.dtype(), partial ? "ArgPartition" : "ArgSort", [&](auto t) {
    using T = decltype(t);
    sort_indices<T>(in.data<T>(), out.data<uint32_t>(), l, partial, kth);
  });
}

} // namespace

void Sort::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_values(inputs[0], outputs[0], axis_, false, 0);
}

void ArgSort::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_indices(inputs[0], outputs[0], axis_, false, 0);
}

void Partition::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_values(inputs[0], outputs[0], axis_, true, kth_);
}

void ArgPartition::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_indices(inputs[0], outputs[0], axis_, true, kth_);
}

void SearchSorted::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto a = cpu::ensure_row_contiguous(inputs[0]);
  auto v = cpu::ensure_row_contiguous(inputs[1]);
  auto& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  cpu::dispatch(cpu::AllTypes{}, a.dtype(), "SearchSorted", [&](auto t) {
    using T = decltype(t);
    const T* s = a.data<T>();
    const T* x = v.data<T>();
    uint32_t* o = out.data<uint32_t>();
    size_t n = a.size();
    SortLess<T> less;
    cpu::parallel_for(v.size(), 4096, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const T* p = right_ ? std::upper_bound(s, s + n, x[i], less) : std::lower_bound(s, s + n, x[i], less);
        o[i] = uint32_t(p - s);
      }
    });
  });
}

} // namespace mlx::core
