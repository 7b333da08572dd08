// The .npy format, shared by .npy files and the entries of .npz archives.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mlx/io.h"

namespace mlx::core::io {

struct NpyHeader {
  Dtype dtype{float32};
  std::vector<uint64_t> dims;
  bool fortran_order{false};
  // The file is big-endian: elements need their bytes swapped.
  bool swap_bytes{false};
};

// Reads exactly n bytes of the next part of the stream into dst.
using ReadFn = std::function<void(void* dst, size_t n)>;

// Parses the magic, version and header dict. `label` names the file in
// errors; std::runtime_error for a bad header, std::invalid_argument
// (ValueError) for a dtype we do not support, as MLX does.
NpyHeader read_npy_header(const ReadFn& read, const std::string& label);

// Reads the elements that follow the header into a new array, after
// checking they fit in `available` bytes.
array read_npy_data(const NpyHeader& header, const ReadFn& read, uint64_t available,
                    const std::string& label);

// The bytes before the data for `a` (magic, version, padded header dict).
std::string npy_header(const array& a, bool fortran_order);

// `a` ready for writing: evaluated, row-contiguous or (without a copy)
// column-contiguous, in which case fortran_order is set.
array npy_layout(array a, bool& fortran_order);

} // namespace mlx::core::io
