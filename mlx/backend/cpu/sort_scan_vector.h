// The AVX2 sort of rows of 32-bit values (sort_scan_vector.cpp): bitonic
// networks in registers for rows up to 256 values, a vectorized quicksort
// partition above (std::sort takes over a range whose partitions go too
// deep, so the worst case stays O(n log n)), long rows split over the pool.
// The scalar radix and comparison sorts in sort_scan.cpp are the reference;
// MLX_CPU_ISA=scalar runs them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlx::core::cpu {

// Whether this process sorts with the AVX2 kernels (isa() >= avx2).
bool vector_sort_enabled();

// Sorts n signed 32-bit keys ascending in place; a long row spreads over
// the pool when `threaded`. Needs vector_sort_enabled().
void vector_sort_keys(int32_t* keys, size_t n, bool threaded);

// Sorts the contiguous row src into dst (src may be dst) in the order and
// with the values MLX's stable sort gives: NaNs last, -0.0 equal to 0.0,
// and the zeros and NaNs each in their input order (their bits kept,
// found before the sort and written back after it). Returns true.
bool vector_sort_row(const float* src, float* dst, size_t n, bool threaded);
bool vector_sort_row(const int32_t* src, int32_t* dst, size_t n, bool threaded);
bool vector_sort_row(const uint32_t* src, uint32_t* dst, size_t n, bool threaded);

// Writes to out the stable sorting permutation of a contiguous row of up
// to 256 values (NaNs last; equal values, -0.0 and 0.0 among them, in
// index order) and returns true; returns false for a longer row.
bool vector_argsort_row(const float* row, size_t n, uint32_t* out);
bool vector_argsort_row(const int32_t* row, size_t n, uint32_t* out);
bool vector_argsort_row(const uint32_t* row, size_t n, uint32_t* out);

} // namespace mlx::core::cpu
