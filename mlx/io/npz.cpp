// .npz: a zip archive holding one .npy file per array.
#include <stdexcept>

#include "mlx/io/common.h"
#include "mlx/io/npy.h"
#include "mlx/io/zip.h"

namespace mlx::core {

namespace {

constexpr const char* kLoad = "load_npz";
// Deflate cannot expand data by more than about 1032:1; a larger size
// claimed by the directory is a lie we refuse before allocating.
constexpr uint64_t kMaxRatio = 1032;

std::string strip_npy(const std::string& name) {
  const std::string ext = ".npy";
  if (name.size() >= ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
    return name.substr(0, name.size() - ext.size());
  }
  return name;
}

array load_stored(io::Reader& in, const io::ZipEntry& z) {
  io::Cursor cur(in, z.data_offset, kLoad);
  uint64_t used = 0;
  std::string label = in.label() + " (entry " + z.name + ")";
  io::ReadFn read = [&](void* dst, size_t n) {
    if (n > z.size - used) {
      io::fail(kLoad, "Entry " + z.name + " ends early (the file is truncated or corrupt).");
    }
    cur.bytes(dst, n);
    used += n;
  };
  io::NpyHeader h = io::read_npy_header(read, label);
  return io::read_npy_data(h, read, z.size - used, label);
}

array load_deflated(io::Reader& in, const io::ZipEntry& z) {
  io::Inflater inf(in, z, kLoad);
  std::string label = in.label() + " (entry " + z.name + ")";
  io::ReadFn read = [&](void* dst, size_t n) { inf.read(dst, n); };
  io::NpyHeader h = io::read_npy_header(read, label);
  uint64_t bound = std::min(z.size, z.compressed_size * kMaxRatio + 1024);
  uint64_t available = bound > inf.produced() ? bound - inf.produced() : 0;
  array a = io::read_npy_data(h, read, available, label);
  inf.finish();
  return a;
}

} // namespace

std::unordered_map<std::string, array> load_npz(std::shared_ptr<io::Reader> in, StreamOrDevice s) {
  // Arrays are read eagerly on the host; the stream is still checked (a
  // gpu stream without a gpu backend is an error, as in MLX).
  to_stream(s);
  std::unordered_map<std::string, array> out;
  for (const auto& z : io::read_zip_directory(*in, kLoad)) {
    if (!z.name.empty() && z.name.back() == '/') {
      continue; // a directory entry
    }
    array a = [&]() {
      if (z.method == 0) {
        return load_stored(*in, z);
      }
      if (z.method == 8) {
        return load_deflated(*in, z);
      }
      io::fail(kLoad, "Entry " + z.name + " uses zip compression method " + std::to_string(z.method) +
                          "; only stored and deflate are supported.");
    }();
    out.insert_or_assign(strip_npy(z.name), std::move(a));
  }
  return out;
}

std::unordered_map<std::string, array> load_npz(const std::string& file, StreamOrDevice s) {
  std::shared_ptr<io::Reader> in;
  try {
    in = io::open_file_reader(file, kLoad);
  } catch (const std::runtime_error&) {
    // MLX reports a missing archive as a ValueError.
    throw std::invalid_argument(
        "[load_npz] Input must be a zip file or a file-like object that can be opened with "
        "zipfile.ZipFile");
  }
  return load_npz(in, s);
}

void savez(std::shared_ptr<io::Writer> out, const std::vector<std::pair<std::string, array>>& arrays,
           bool compressed) {
  io::ZipWriter zip(*out);
  for (const auto& [name, arr] : arrays) {
    bool fortran = false;
    array a = io::npy_layout(arr, fortran);
    std::string head = io::npy_header(a, fortran);
    zip.add(name + ".npy", head, a.data<char>(), a.nbytes(), compressed);
  }
  zip.finish();
}

void savez(std::string file, const std::vector<std::pair<std::string, array>>& arrays, bool compressed) {
  for (const auto& [name, a] : arrays) {
    array(a).eval();
  }
  const char* op = compressed ? "savez_compressed" : "savez";
  savez(io::open_file_writer(io::with_extension(std::move(file), ".npz"), op), arrays, compressed);
}

} // namespace mlx::core
