// More public ops and utilities of MLX 0.32: softmax, small reductions,
// fused matrix products, window functions, dtype queries, einsum_path,
// explicit dependencies and per-thread streams. Declared apart from ops.h so
// that adding one does not rebuild everything that includes ops.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

// ------------------------------------------------------------------ softmax

// exp(a) / sum(exp(a)) over `axes`, computed stably (the maximum is
// subtracted first). Over the last axis alone it is one fused kernel and
// integer inputs give float32; `precise` accumulates half types in float32.
// Over other axes it is composed of reductions in the input's dtype, as MLX.
array softmax(const array& a, const std::vector<int>& axes, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, int axis, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});

// ------------------------------------------------------- small reductions

// The identity (unary plus): a copy of `a` with the same dtype.
array positive(const array& a, StreamOrDevice s = {});

// Number of non-zero (NaN counts) elements over `axes`, as int32.
array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array count_nonzero(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array count_nonzero(const array& a, bool keepdims = false, StreamOrDevice s = {});

// {min, max} over `axes` (all axes when none given).
std::pair<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims = false,
                               StreamOrDevice s = {});
std::pair<array, array> minmax(const array& a, bool keepdims = false, StreamOrDevice s = {});

// ---------------------------------------------------------- matrix products

// beta * c + alpha * (a @ b); c must broadcast to the shape of a @ b.
array addmm(array c, array a, array b, const float& alpha = 1.f, const float& beta = 1.f,
            StreamOrDevice s = {});

// sum(conj(a) * b) along `axis`, the other axes broadcast.
array vecdot(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

// Matrix products of a[lhs_indices] and b[rhs_indices], the indices running
// over the (flattened) batch dims of each operand and broadcast together;
// missing indices run over the whole batch.
array gather_mm(array a, array b, std::optional<array> lhs_indices = std::nullopt,
                std::optional<array> rhs_indices = std::nullopt, bool sorted_indices = false,
                StreamOrDevice s = {});

// One product per segment [start, end) of the shared inner dimension of the
// 2-d `a` and `b`: out[..., i] = a[:, start:end] @ b[start:end, :], with
// `segments` of shape (..., 2).
array segmented_mm(array a, array b, array segments, StreamOrDevice s = {});

// a @ b with block masks (block_size 32 or 64) on the output and operands:
// boolean masks drop blocks, float masks scale them.
array block_masked_mm(array a, array b, int block_size = 64, std::optional<array> mask_out = std::nullopt,
                      std::optional<array> mask_lhs = std::nullopt,
                      std::optional<array> mask_rhs = std::nullopt, StreamOrDevice s = {});

// The Walsh-Hadamard transform along the last axis (size m * 2^k with m in
// 1, 12, 20, 28), times `scale` (default 1/sqrt(n)).
array hadamard_transform(const array& a, std::optional<float> scale = std::nullopt, StreamOrDevice s = {});

// ------------------------------------------------------------------ windows

// NumPy's window functions of length M, float32.
array bartlett(int M, StreamOrDevice s = {});
array blackman(int M, StreamOrDevice s = {});
array hamming(int M, StreamOrDevice s = {});
array hanning(int M, StreamOrDevice s = {});

// ------------------------------------------------------------- dtype queries

// Whether `from` converts to `to` without loss under MLX's promotion rules.
bool can_cast(Dtype from, Dtype to);
// The promoted dtype of all inputs (arrays are never weak).
Dtype result_type(const std::vector<Dtype>& dtypes);
// Whether `dtype` belongs to an array-API kind ("bool", "signed integer",
// "unsigned integer", "integral", "real floating", "complex floating",
// "numeric"); throws invalid_argument for other names.
bool isdtype(Dtype dtype, const std::string& kind);

// ------------------------------------------------------------------- einsum

// The contraction order einsum would choose (pairs of positions in the
// shrinking operand list, as NumPy) and a printed summary of its cost.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands);

// ------------------------------------------------------------- dependencies

// `inputs`, unchanged, but evaluated only after `dependencies`.
std::vector<array> depends(const std::vector<array>& inputs, const std::vector<array>& dependencies);

// ------------------------------------------------------------------ streams

// A handle that stands for a different stream in each thread, made on first
// use in that thread.
struct ThreadLocalStream {
  int index;
  Device device;
  bool operator==(const ThreadLocalStream& o) const { return index == o.index; }
};
ThreadLocalStream new_thread_local_stream(Device d);
// The calling thread's stream for `s`.
Stream resolve(const ThreadLocalStream& s);
// A stream meant for use from one thread at a time.
Stream new_thread_unsafe_stream(Device d);
// Waits for the work queued so far and forgets this thread's local streams.
void clear_streams();

// Properties of a device (architecture and name for the CPU; none for an
// unavailable GPU).
std::map<std::string, std::variant<std::string, size_t>> device_info(const Device& d);

} // namespace mlx::core
