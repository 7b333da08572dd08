// mlx.core: save, savez, savez_compressed, save_safetensors, save_gguf and
// load. Paths go to the C++ readers/writers with the GIL released; Python
// file objects (BytesIO, open(..., "rb")) are wrapped as io::Reader/Writer.
#include <algorithm>
#include <cstring>
#include <map>

#include "py_args.h"

#include "mlx/io.h"

namespace {

// A readable, seekable Python binary file, from its current position on.
class PyReader : public io::Reader {
 public:
  explicit PyReader(py::object f) : f_(std::move(f)) {
    py::gil_scoped_acquire gil;
    base_ = f_.attr("tell")().cast<size_t>();
    f_.attr("seek")(0, 2);
    size_t end = f_.attr("tell")().cast<size_t>();
    f_.attr("seek")(base_, 0);
    size_ = end > base_ ? end - base_ : 0;
    label_ = py::hasattr(f_, "name") ? py::str(f_.attr("name")).cast<std::string>() : "<file>";
  }
  ~PyReader() override {
    py::gil_scoped_acquire gil;
    f_ = py::object();
  }
  std::string label() const override { return label_; }
  size_t size() override { return size_; }
  void read_at(void* dst, size_t n, size_t offset) override {
    py::gil_scoped_acquire gil;
    f_.attr("seek")(base_ + offset, 0);
    char* p = static_cast<char*>(dst);
    // readinto fills our buffer directly; read() costs an extra copy.
    bool direct = py::hasattr(f_, "readinto");
    while (n > 0) {
      size_t chunk = std::min<size_t>(n, size_t(1) << 30);
      size_t got = 0;
      if (direct) {
        auto view = py::memoryview::from_memory(p, static_cast<ssize_t>(chunk), false);
        py::object r = f_.attr("readinto")(view);
        got = r.is_none() ? 0 : r.cast<size_t>();
      } else {
        py::bytes b = f_.attr("read")(chunk);
        std::string_view v = b;
        got = std::min(v.size(), chunk);
        std::memcpy(p, v.data(), got);
      }
      if (got == 0) {
        throw std::runtime_error("[load] Unexpected end of file " + label_ + ".");
      }
      p += got;
      n -= got;
    }
  }

 private:
  py::object f_;
  size_t base_{0};
  size_t size_{0};
  std::string label_;
};

// A writable Python binary file.
class PyWriter : public io::Writer {
 public:
  explicit PyWriter(py::object f) : f_(std::move(f)) {}
  ~PyWriter() override {
    py::gil_scoped_acquire gil;
    f_ = py::object();
  }
  std::string label() const override { return "<file>"; }
  void write(const void* src, size_t n) override {
    py::gil_scoped_acquire gil;
    const char* p = static_cast<const char*>(src);
    while (n > 0) {
      size_t chunk = std::min<size_t>(n, size_t(1) << 30);
      f_.attr("write")(py::memoryview::from_memory(p, static_cast<ssize_t>(chunk)));
      p += chunk;
      n -= chunk;
      pos_ += chunk;
    }
  }
  size_t tell() const override { return pos_; }

 private:
  py::object f_;
  size_t pos_{0};
};

// A str or os.PathLike as a path; nullopt for anything else.
std::optional<std::string> as_path(py::handle file) {
  if (py::isinstance<py::str>(file)) {
    return file.cast<std::string>();
  }
  if (py::hasattr(file, "__fspath__")) {
    py::object p = py::module_::import("os").attr("fspath")(file);
    if (py::isinstance<py::str>(p)) {
      return p.cast<std::string>();
    }
  }
  return std::nullopt;
}

[[noreturn]] void bad_file(const char* op) {
  throw std::invalid_argument(std::string("[") + op +
                              "] Input must be a file-like object opened in binary mode, or string");
}

std::shared_ptr<io::Reader> reader_for(py::handle file, const char* op) {
  if (!py::hasattr(file, "read") || !py::hasattr(file, "seek")) {
    bad_file(op);
  }
  return std::make_shared<PyReader>(py::reinterpret_borrow<py::object>(file));
}

std::shared_ptr<io::Writer> writer_for(py::handle file, const char* op) {
  if (!py::hasattr(file, "write")) {
    bad_file(op);
  }
  return std::make_shared<PyWriter>(py::reinterpret_borrow<py::object>(file));
}

std::string ends_with(std::string path, const std::string& ext) {
  if (path.size() < ext.size() || path.compare(path.size() - ext.size(), ext.size(), ext) != 0) {
    path += ext;
  }
  return path;
}

// Loaded arrays as a dict with sorted keys (the C++ maps are unordered).
template <typename Map>
py::dict to_dict(const Map& m) {
  std::vector<std::string> keys;
  for (const auto& kv : m) {
    keys.push_back(kv.first);
  }
  std::sort(keys.begin(), keys.end());
  py::dict d;
  for (const auto& k : keys) {
    d[py::str(k)] = py::cast(m.at(k));
  }
  return d;
}

py::object gguf_value(const GGUFMetaData& v) {
  if (auto* a = std::get_if<array>(&v)) {
    return py::cast(*a);
  }
  if (auto* s = std::get_if<std::string>(&v)) {
    return py::str(*s);
  }
  if (auto* l = std::get_if<std::vector<std::string>>(&v)) {
    py::list out;
    for (const auto& s : *l) {
      out.append(py::str(s));
    }
    return out;
  }
  return py::none();
}

std::unordered_map<std::string, array> array_dict(py::handle arrays, const char* op) {
  std::unordered_map<std::string, array> out;
  for (auto kv : py::reinterpret_borrow<py::dict>(arrays)) {
    if (!py::isinstance<py::str>(kv.first) || !is_array(kv.second)) {
      throw std::runtime_error(std::string("[") + op +
                               "] Arrays must be a dictionary of str keys and mx.array values.");
    }
    out.insert_or_assign(kv.first.cast<std::string>(), kv.second.cast<array>());
  }
  return out;
}

py::object py_load(py::object file, std::optional<std::string> format, bool return_metadata,
                   py::object stream) {
  StreamOrDevice s = to_stream_or_device(stream);
  std::optional<std::string> path = as_path(file);
  if (!path && !py::hasattr(file, "read")) {
    bad_file("load");
  }
  if (!format) {
    // File objects name their format through .name, as in MLX.
    std::string name = path ? *path : py::str(file.attr("name")).cast<std::string>();
    size_t dot = name.rfind('.');
    size_t slash = name.find_last_of("/\\");
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
      throw std::invalid_argument("[load] Could not infer file format from extension");
    }
    format = name.substr(dot + 1);
  }
  const std::string& fmt = *format;
  if (fmt != "npy" && fmt != "npz" && fmt != "safetensors" && fmt != "gguf") {
    throw std::invalid_argument("[load] Unknown file format " + fmt);
  }
  if (return_metadata && (fmt == "npy" || fmt == "npz")) {
    throw std::invalid_argument("[load] metadata not supported for format " + fmt);
  }
  auto open = [&](const char* op) -> std::shared_ptr<io::Reader> {
    if (path) {
      return nullptr;
    }
    return reader_for(file, op);
  };

  if (fmt == "npy") {
    auto in = open("load");
    array a = [&]() {
      py::gil_scoped_release nogil;
      if (!in) {
        return mlx::core::load(*path, s); // lazy: read when evaluated
      }
      // A Python file object is read now, while it is open (as MLX).
      auto a = mlx::core::load(in, s);
      a.eval();
      return a;
    }();
    return py::cast(a);
  }
  if (fmt == "npz") {
    auto in = open("load_npz");
    std::unordered_map<std::string, array> m;
    {
      py::gil_scoped_release nogil;
      m = in ? load_npz(in, s) : load_npz(*path, s);
    }
    return to_dict(m);
  }
  if (fmt == "safetensors") {
    auto in = open("load_safetensors");
    SafetensorsLoad r;
    {
      py::gil_scoped_release nogil;
      r = in ? load_safetensors(in, s) : load_safetensors(*path, s);
    }
    py::dict arrays = to_dict(r.first);
    if (!return_metadata) {
      return arrays;
    }
    py::dict meta;
    for (const auto& [k, v] : r.second) {
      meta[py::str(k)] = py::str(v);
    }
    return py::make_tuple(arrays, meta);
  }
  auto in = open("load_gguf");
  GGUFLoad r;
  {
    py::gil_scoped_release nogil;
    r = in ? load_gguf(in, s) : load_gguf(*path, s);
  }
  py::dict arrays = to_dict(r.first);
  if (!return_metadata) {
    return arrays;
  }
  py::dict meta;
  for (const auto& [k, v] : r.second) {
    meta[py::str(k)] = gguf_value(v);
  }
  return py::make_tuple(arrays, meta);
}

void py_save(py::object file, const array& a) {
  if (auto path = as_path(file)) {
    py::gil_scoped_release nogil;
    mlx::core::save(*path, a);
    return;
  }
  auto out = writer_for(file, "save");
  py::gil_scoped_release nogil;
  mlx::core::save(out, a);
}

void savez_impl(py::object file, py::args args, py::kwargs kwargs, bool compressed) {
  const char* op = compressed ? "savez_compressed" : "savez";
  std::vector<std::pair<std::string, array>> arrays;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = "arr_" + std::to_string(i);
    if (kwargs.contains(py::str(name))) {
      throw std::invalid_argument(std::string("[") + op + "] Cannot use un-named variables and keyword " +
                                  name);
    }
    if (!is_array(args[i])) {
      throw std::runtime_error(std::string("[") + op + "] Arrays to save must be mx.array.");
    }
    arrays.emplace_back(name, args[i].cast<array>());
  }
  for (auto kv : kwargs) {
    if (!is_array(kv.second)) {
      throw std::runtime_error(std::string("[") + op + "] Arrays to save must be mx.array.");
    }
    arrays.emplace_back(kv.first.cast<std::string>(), kv.second.cast<array>());
  }
  {
    // Evaluate before the file is created, so a failing graph leaves none.
    py::gil_scoped_release nogil;
    for (auto& [name, a] : arrays) {
      a.eval();
    }
  }
  py::object f = file;
  bool close = false;
  if (auto path = as_path(file)) {
    // Python's open() gives MLX's errors (FileNotFoundError, ...).
    f = py::module_::import("builtins").attr("open")(ends_with(*path, ".npz"), "wb");
    close = true;
  }
  try {
    auto out = writer_for(f, op);
    py::gil_scoped_release nogil;
    mlx::core::savez(out, arrays, compressed);
  } catch (...) {
    if (close) {
      f.attr("close")();
    }
    throw;
  }
  if (close) {
    f.attr("close")();
  }
}

void py_save_safetensors(py::object file, py::dict arrays, py::object metadata) {
  auto m = array_dict(arrays, "save_safetensors");
  std::unordered_map<std::string, std::string> meta;
  if (!metadata.is_none()) {
    if (!py::isinstance<py::dict>(metadata)) {
      throw std::invalid_argument(
          "[save_safetensors] Metadata must be a dictionary with string keys and values");
    }
    for (auto kv : py::reinterpret_borrow<py::dict>(metadata)) {
      if (!py::isinstance<py::str>(kv.first) || !py::isinstance<py::str>(kv.second)) {
        throw std::invalid_argument(
            "[save_safetensors] Metadata must be a dictionary with string keys and values");
      }
      meta[kv.first.cast<std::string>()] = kv.second.cast<std::string>();
    }
  }
  if (auto path = as_path(file)) {
    py::gil_scoped_release nogil;
    mlx::core::save_safetensors(*path, std::move(m), std::move(meta));
    return;
  }
  auto out = writer_for(file, "save_safetensors");
  py::gil_scoped_release nogil;
  mlx::core::save_safetensors(out, std::move(m), std::move(meta));
}

void py_save_gguf(py::object file, py::dict arrays, py::object metadata) {
  auto m = array_dict(arrays, "save_gguf");
  std::unordered_map<std::string, GGUFMetaData> meta;
  if (!metadata.is_none()) {
    if (!py::isinstance<py::dict>(metadata)) {
      throw std::runtime_error("[save_gguf] Metadata must be a dictionary.");
    }
    for (auto kv : py::reinterpret_borrow<py::dict>(metadata)) {
      if (!py::isinstance<py::str>(kv.first)) {
        throw std::runtime_error("[save_gguf] Metadata keys must be strings.");
      }
      std::string key = kv.first.cast<std::string>();
      py::handle v = kv.second;
      if (is_array(v)) {
        meta[key] = v.cast<array>();
      } else if (py::isinstance<py::str>(v)) {
        meta[key] = v.cast<std::string>();
      } else if (py::isinstance<py::list>(v)) {
        std::vector<std::string> strs;
        for (auto item : v) {
          if (!py::isinstance<py::str>(item)) {
            throw std::runtime_error("[save_gguf] Metadata lists must hold only strings (key '" + key +
                                     "').");
          }
          strs.push_back(item.cast<std::string>());
        }
        meta[key] = std::move(strs);
      } else {
        throw std::runtime_error("[save_gguf] Metadata values must be mx.array, str or list of str (key '" +
                                 key + "').");
      }
    }
  }
  if (auto path = as_path(file)) {
    py::gil_scoped_release nogil;
    mlx::core::save_gguf(*path, std::move(m), std::move(meta));
    return;
  }
  auto out = writer_for(file, "save_gguf");
  py::gil_scoped_release nogil;
  mlx::core::save_gguf(out, std::move(m), std::move(meta));
}

} // namespace

void init_io(py::module_& m) {
  m.def("load", &py_load, py::arg("file"), py::pos_only(), py::arg("format") = py::none(),
        py::arg("return_metadata") = false, py::kw_only(), py::arg("stream") = py::none(),
        R"doc(Load array(s) from a binary file.

The format (.npy, .npz, .safetensors or .gguf) comes from the file's
extension unless ``format`` names it.

Args:
    file (file, str, pathlib.Path): The file (or its path) to read.
    format (str, optional): ``"npy"``, ``"npz"``, ``"safetensors"`` or ``"gguf"``.
    return_metadata (bool): Also return the metadata (safetensors and gguf).

Returns:
    A single array for .npy, else a dict of names to arrays, and with
    ``return_metadata`` a tuple ``(arrays, metadata)``.)doc");
  m.def("save", &py_save, py::arg("file"), py::arg("arr"),
        R"doc(Save an array in NumPy's .npy format (".npy" is appended to the path if missing).)doc");
  m.def(
      "savez",
      [](py::object file, py::args args, py::kwargs kwargs) { savez_impl(file, args, kwargs, false); },
      py::arg("file"),
      R"doc(Save several arrays in an uncompressed .npz archive.

Positional arrays are named ``arr_0``, ``arr_1``, ...; keyword arrays keep
their keyword.)doc");
  m.def(
      "savez_compressed",
      [](py::object file, py::args args, py::kwargs kwargs) { savez_impl(file, args, kwargs, true); },
      py::arg("file"), py::pos_only(),
      R"doc(Save several arrays in a deflate-compressed .npz archive (names as savez).)doc");
  m.def("save_safetensors", &py_save_safetensors, py::arg("file"), py::arg("arrays"),
        py::arg("metadata") = py::none(),
        R"doc(Save a dict of arrays in the .safetensors format, with optional str -> str metadata.)doc");
  m.def("save_gguf", &py_save_gguf, py::arg("file"), py::arg("arrays"), py::arg("metadata") = py::none(),
        R"doc(Save a dict of arrays in the .gguf format.

Metadata values may be strings, lists of strings, or 0-d / 1-d arrays of
integers, float32 or bools.)doc");
}
