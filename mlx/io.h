// Saving and loading arrays: .npy, .npz, .safetensors and .gguf.
//
// Every loader reads a file's bytes straight into the buffers of the arrays
// it returns (one copy, no staging; deflated .npz entries inflate into them
// and quantized GGUF blocks are unpacked) and checks each size and offset against
// the file before it allocates, so a truncated or hostile file raises an
// error ("[load...] ...") instead of crashing or allocating without bound.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

namespace io {

// A source of bytes with random access (a file, or a Python file object).
class Reader {
 public:
  virtual ~Reader() = default;
  // Names the source in error messages (usually the file name).
  virtual std::string label() const = 0;
  // The number of readable bytes.
  virtual size_t size() = 0;
  // Reads exactly `n` bytes at `offset`; throws std::runtime_error when the
  // source holds fewer.
  virtual void read_at(void* dst, size_t n, size_t offset) = 0;
};

// A sink of bytes written in order.
class Writer {
 public:
  virtual ~Writer() = default;
  virtual std::string label() const = 0;
  virtual void write(const void* src, size_t n) = 0;
  // Bytes written so far.
  virtual size_t tell() const = 0;
};

// A file opened for reading; throws std::runtime_error "[<op>] Failed to
// open file <path>" when it cannot be opened.
std::shared_ptr<Reader> open_file_reader(const std::string& path, const char* op = "load");
// A file created (or truncated) for writing.
std::shared_ptr<Writer> open_file_writer(const std::string& path, const char* op = "save");

} // namespace io

// ----------------------------------------------------------------- .npy

// One array in NumPy's .npy format (versions 1, 2 and 3 read; 1 written).
array load(std::shared_ptr<io::Reader> in, StreamOrDevice s = {});
array load(const std::string& file, StreamOrDevice s = {});
void save(std::shared_ptr<io::Writer> out, array a);
// Appends ".npy" to `file` unless it already ends with it (as NumPy does).
void save(std::string file, array a);

// ----------------------------------------------------------------- .npz

// A zip of .npy files, stored or deflated; names lose their ".npy".
std::unordered_map<std::string, array> load_npz(std::shared_ptr<io::Reader> in, StreamOrDevice s = {});
std::unordered_map<std::string, array> load_npz(const std::string& file, StreamOrDevice s = {});
// Writes the arrays in the order given; `compressed` deflates each entry.
void savez(std::shared_ptr<io::Writer> out, const std::vector<std::pair<std::string, array>>& arrays,
           bool compressed = false);
// Appends ".npz" to `file` unless it already ends with it.
void savez(std::string file, const std::vector<std::pair<std::string, array>>& arrays,
           bool compressed = false);

// ---------------------------------------------------------- .safetensors

using SafetensorsLoad =
    std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, std::string>>;

SafetensorsLoad load_safetensors(std::shared_ptr<io::Reader> in, StreamOrDevice s = {});
SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s = {});
void save_safetensors(std::shared_ptr<io::Writer> out, std::unordered_map<std::string, array> arrays,
                      std::unordered_map<std::string, std::string> metadata = {});
// Appends ".safetensors" to `file` unless it already ends with it.
void save_safetensors(std::string file, std::unordered_map<std::string, array> arrays,
                      std::unordered_map<std::string, std::string> metadata = {});

// ----------------------------------------------------------------- .gguf

// A GGUF metadata value: nothing, a scalar or 1-d array of numbers or bools,
// a string, or a list of strings.
using GGUFMetaData = std::variant<std::monostate, array, std::string, std::vector<std::string>>;
using GGUFLoad =
    std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, GGUFMetaData>>;

GGUFLoad load_gguf(std::shared_ptr<io::Reader> in, StreamOrDevice s = {});
GGUFLoad load_gguf(const std::string& file, StreamOrDevice s = {});
void save_gguf(std::shared_ptr<io::Writer> out, std::unordered_map<std::string, array> arrays,
               std::unordered_map<std::string, GGUFMetaData> metadata = {});
// Appends ".gguf" to `file` unless it already ends with it.
void save_gguf(std::string file, std::unordered_map<std::string, array> arrays,
               std::unordered_map<std::string, GGUFMetaData> metadata = {});

} // namespace mlx::core
