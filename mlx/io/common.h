// Helpers shared by the file formats (internal to mlx/io).
#pragma once

#include <cstring>
#include <sstream>
#include <string>

#include "mlx/io.h"

namespace mlx::core::io {

// Appends `ext` (".npy", ...) unless `path` already ends with it.
std::string with_extension(std::string path, const std::string& ext);

// Throws std::runtime_error("[op] " + msg).
[[noreturn]] void fail(const char* op, const std::string& msg);

// Checks that a shape read from a file is one we can hold (every dim in
// [0, 2^31), element count without overflow) and that its bytes fit within
// `available` bytes; returns the byte count. Done before any allocation, so
// a hostile header cannot make us allocate more than the file holds.
size_t checked_nbytes(const std::vector<uint64_t>& dims, Dtype dtype, uint64_t available, const char* op,
                      const std::string& what);

// A row-contiguous array with fresh, uninitialised memory.
array empty_array(const Shape& shape, Dtype dtype);

// Evaluates `a` and returns a row-contiguous version of it (copying only
// when it is transposed, sliced or broadcast).
array row_contiguous(array a);

// Writes `n` bytes of `a` (row-contiguous) in chunks.
void write_array_data(Writer& out, const array& a);

// Little-endian scalars into a byte string (all formats here are LE; so is
// every host we build for).
template <typename T>
void put(std::string& s, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  s.append(b, sizeof(T));
}

// Reads little-endian scalars and byte strings from a Reader with bounds
// checks, raising "[op] ... truncated" past the end.
class Cursor {
 public:
  Cursor(Reader& in, size_t pos, const char* op) : in_(in), pos_(pos), size_(in.size()), op_(op) {}
  template <typename T>
  T get() {
    T v;
    bytes(&v, sizeof(T));
    return v;
  }
  void bytes(void* dst, size_t n);
  // A string of `n` bytes; refuses `n` beyond the end before allocating.
  std::string string(uint64_t n);
  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  void skip(uint64_t n);

 private:
  Reader& in_;
  // Read-ahead buffer: headers are parsed a few bytes at a time (GGUF
  // vocabularies hold 100k+ strings), so reads go through 64 KiB blocks.
  std::string buf_;
  size_t buf_start_{0};
  size_t pos_;
  size_t size_;
  const char* op_;
};

} // namespace mlx::core::io
