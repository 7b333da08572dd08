// Just enough of the zip format for .npz: reading the central directory
// (zip64 included), inflating entries, and writing stored or deflated ones.
#pragma once

#include <string>
#include <vector>

#include <zlib.h>

#include "mlx/io.h"

namespace mlx::core::io {

struct ZipEntry {
  std::string name;
  uint16_t method{0}; // 0 stored, 8 deflated
  uint32_t crc{0};
  uint64_t compressed_size{0};
  uint64_t size{0};
  uint64_t local_header_offset{0};
  // Where the entry's bytes start (after its local header).
  uint64_t data_offset{0};
};

// The entries of the zip archive read by `in`. Throws std::invalid_argument
// when `in` is not a zip file at all, std::runtime_error when it is corrupt.
std::vector<ZipEntry> read_zip_directory(Reader& in, const char* op);

// Reads the uncompressed bytes of a deflated entry in order, inflating
// straight into the caller's memory.
class Inflater {
 public:
  Inflater(Reader& in, const ZipEntry& entry, const char* op);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  void read(void* dst, size_t n);
  // Checks the stream ends here and its CRC matches the directory's.
  void finish();
  // Bytes produced so far.
  uint64_t produced() const { return produced_; }

 private:
  void refill();
  Reader& in_;
  const ZipEntry& entry_;
  const char* op_;
  z_stream zs_{};
  std::string buf_;
  uint64_t consumed_{0};
  uint64_t produced_{0};
  uint32_t crc_{0};
  bool ended_{false};
};

// Writes a zip archive entry by entry.
class ZipWriter {
 public:
  explicit ZipWriter(Writer& out) : out_(out) {}
  // One entry made of `head` followed by `size` bytes at `data`.
  void add(const std::string& name, const std::string& head, const char* data, size_t size, bool deflate);
  // Writes the central directory; the archive is complete after this.
  void finish();

 private:
  struct Written {
    std::string name;
    uint16_t method;
    uint32_t crc;
    uint64_t compressed_size;
    uint64_t size;
    uint64_t offset;
  };
  Writer& out_;
  std::vector<Written> entries_;
};

} // namespace mlx::core::io
