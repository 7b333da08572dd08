// .gguf (version 2 and 3): header, key/value metadata, tensor infos, then
// tensor data aligned to general.alignment (default 32). Dimensions are
// stored fastest-varying first, the reverse of a row-major shape.
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "mlx/io/common.h"
#include "mlx/io/gguf_quants.h"

namespace mlx::core {

namespace {

constexpr const char* kLoad = "load_gguf";
constexpr const char* kSave = "save_gguf";
constexpr uint32_t kMagic = 0x46554747; // "GGUF"
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 16;

// Metadata value types.
enum ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// Tensor types we hold without conversion (ggml_type numbers).
struct TensorType {
  uint32_t id;
  Dtype dtype;
};
constexpr TensorType kTensorTypes[] = {
    {0, float32}, {1, float16}, {24, int8},    {25, int16},
    {26, int32},  {27, int64},  {28, float64}, {30, bfloat16},
};

// Numeric metadata types and the dtype they load as. F64 loads as float32,
// as MLX does.
struct ScalarType {
  uint32_t id;
  size_t size;
  Dtype dtype;
};
constexpr ScalarType kScalarTypes[] = {
    {kU8, 1, uint8},   {kI8, 1, int8},   {kU16, 2, uint16},  {kI16, 2, int16},
    {kU32, 4, uint32}, {kI32, 4, int32}, {kF32, 4, float32}, {kBool, 1, bool_},
    {kU64, 8, uint64}, {kI64, 8, int64}, {kF64, 8, float32},
};

const ScalarType* scalar_type(uint32_t id) {
  for (const auto& t : kScalarTypes) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

// Reads `n` values of numeric type `t` into an array of its dtype.
array read_numbers(io::Cursor& cur, const ScalarType& t, uint64_t n, bool scalar) {
  if (n > cur.remaining() / t.size) {
    io::fail(kLoad, "A metadata array runs past the end of the file.");
  }
  Shape shape = scalar ? Shape{} : Shape{static_cast<ShapeElem>(n)};
  if (t.id == kF64) {
    std::vector<double> v(n);
    cur.bytes(v.data(), n * 8);
    std::vector<float> f(v.begin(), v.end());
    return array(f.begin(), shape, float32);
  }
  array a = io::empty_array(shape, t.dtype);
  cur.bytes(a.data<char>(), n * t.size);
  if (t.id == kBool) {
    // Any non-zero byte is true; keep bool arrays 0/1.
    auto* p = a.data<uint8_t>();
    for (uint64_t i = 0; i < n; ++i) {
      p[i] = p[i] != 0;
    }
  }
  return a;
}

std::string read_string(io::Cursor& cur) { return cur.string(cur.get<uint64_t>()); }

GGUFMetaData read_value(io::Cursor& cur, uint32_t type, const std::string& key) {
  if (type == kString) {
    return read_string(cur);
  }
  if (const ScalarType* t = scalar_type(type)) {
    return read_numbers(cur, *t, 1, true);
  }
  if (type != kArray) {
    io::fail(kLoad, "Metadata '" + key + "' has unknown type " + std::to_string(type) + ".");
  }
  uint32_t item = cur.get<uint32_t>();
  uint64_t n = cur.get<uint64_t>();
  if (item == kString) {
    // Each string takes at least its 8-byte length: bounds `n`.
    if (n > cur.remaining() / 8) {
      io::fail(kLoad, "Metadata '" + key + "' runs past the end of the file.");
    }
    std::vector<std::string> v;
    v.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      v.push_back(read_string(cur));
    }
    return v;
  }
  const ScalarType* t = scalar_type(item);
  if (t == nullptr) {
    io::fail(kLoad, "Metadata '" + key + "' is an array of unsupported type " + std::to_string(item) + ".");
  }
  if (n > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
    io::fail(kLoad, "Metadata '" + key + "' is too long.");
  }
  return read_numbers(cur, *t, n, false);
}

} // namespace

GGUFLoad load_gguf(std::shared_ptr<io::Reader> in, StreamOrDevice s) {
  // Arrays are read eagerly on the host; the stream is still checked (a
  // gpu stream without a gpu backend is an error, as in MLX).
  to_stream(s);
  io::Cursor cur(*in, 0, kLoad);
  if (in->size() < 24 || cur.get<uint32_t>() != kMagic) {
    io::fail(kLoad, "File " + in->label() + " is not a GGUF file (bad magic).");
  }
  uint32_t version = cur.get<uint32_t>();
  if (version != 2 && version != 3) {
    io::fail(kLoad, "Unsupported GGUF version " + std::to_string(version) + " in " + in->label() + ".");
  }
  uint64_t n_tensors = cur.get<uint64_t>();
  uint64_t n_kv = cur.get<uint64_t>();
  // A key/value pair takes at least 13 bytes and a tensor info 24.
  if (n_kv > cur.remaining() / 13 || n_tensors > cur.remaining() / 24) {
    io::fail(kLoad, "The counts in the header of " + in->label() + " exceed the file size.");
  }

  GGUFLoad out;
  uint64_t alignment = kDefaultAlignment;
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = read_string(cur);
    uint32_t type = cur.get<uint32_t>();
    GGUFMetaData v = read_value(cur, type, key);
    if (key == "general.alignment") {
      const array* a = std::get_if<array>(&v);
      if (a == nullptr || a->ndim() != 0 || a->dtype() != uint32) {
        io::fail(kLoad, "general.alignment must be a uint32.");
      }
      alignment = array(*a).item<uint32_t>();
      if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        io::fail(kLoad, "general.alignment must be a power of two.");
      }
    }
    out.second.insert_or_assign(std::move(key), std::move(v));
  }

  struct Info {
    std::string name;
    std::vector<uint64_t> dims; // row-major order
    Dtype dtype{float32};
    const io::QuantType* quant{nullptr};
    uint64_t offset;
  };
  std::vector<Info> infos;
  infos.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    Info t;
    t.name = read_string(cur);
    uint32_t nd = cur.get<uint32_t>();
    if (nd > kMaxDims) {
      io::fail(kLoad, "Tensor '" + t.name + "' has " + std::to_string(nd) + " dimensions.");
    }
    t.dims.resize(nd);
    for (uint32_t d = 0; d < nd; ++d) {
      t.dims[nd - 1 - d] = cur.get<uint64_t>();
    }
    uint32_t type = cur.get<uint32_t>();
    auto it = std::find_if(std::begin(kTensorTypes), std::end(kTensorTypes),
                           [&](const TensorType& e) { return e.id == type; });
    if (it != std::end(kTensorTypes)) {
      t.dtype = it->dtype;
    } else if (!(t.quant = io::gguf_quant_type(type))) {
      io::fail(kLoad,
               "Tensor '" + t.name + "' has unsupported ggml type " + std::to_string(type) +
                   " (supported: F32, F16, BF16, F64, I8-I64, Q4_0, Q4_1, Q8_0, Q2_K, " +
                   (io::gguf_kquants_as_float16() ? "Q4_K, Q6_K)." : "Q3_K, Q4_K, Q5_K, Q6_K, Q8_K)."));
    }
    t.offset = cur.get<uint64_t>();
    infos.push_back(std::move(t));
  }

  uint64_t data_start = (cur.pos() + alignment - 1) / alignment * alignment;
  uint64_t size = in->size();
  uint64_t data_size = data_start <= size ? size - data_start : 0;
  for (const auto& t : infos) {
    if (t.offset > data_size) {
      io::fail(kLoad, "Tensor '" + t.name + "' has an offset beyond the end of the file.");
    }
    if (t.quant) {
      io::load_gguf_quantized(*in, data_start + t.offset, data_size - t.offset, *t.quant, t.name, t.dims,
                              out.first);
      continue;
    }
    size_t nbytes =
        io::checked_nbytes(t.dims, t.dtype, data_size - t.offset, kLoad, "Tensor '" + t.name + "'");
    array a = io::empty_array(Shape(t.dims.begin(), t.dims.end()), t.dtype);
    if (nbytes > 0) {
      in->read_at(a.data<char>(), nbytes, data_start + t.offset);
    }
    if (!out.first.emplace(t.name, std::move(a)).second) {
      io::fail(kLoad, "Duplicate parameter name " + t.name + ".");
    }
  }
  return out;
}

GGUFLoad load_gguf(const std::string& file, StreamOrDevice s) {
  std::shared_ptr<io::Reader> in;
  try {
    in = io::open_file_reader(file, kLoad);
  } catch (const std::runtime_error&) {
    // MLX reports a missing GGUF file as a ValueError.
    throw std::invalid_argument("[load_gguf] Failed to open " + file);
  }
  return load_gguf(in, s);
}

// ------------------------------------------------------------------- saving

namespace {

void put_string(std::string& s, const std::string& v) {
  io::put<uint64_t>(s, v.size());
  s += v;
}

uint32_t metadata_type(Dtype t) {
  switch (t.val) {
    case Dtype::Val::bool_:
      return kBool;
    case Dtype::Val::uint8:
      return kU8;
    case Dtype::Val::uint16:
      return kU16;
    case Dtype::Val::uint32:
      return kU32;
    case Dtype::Val::uint64:
      return kU64;
    case Dtype::Val::int8:
      return kI8;
    case Dtype::Val::int16:
      return kI16;
    case Dtype::Val::int32:
      return kI32;
    case Dtype::Val::int64:
      return kI64;
    case Dtype::Val::float32:
      return kF32;
    default: {
      std::ostringstream msg;
      msg << "[save_gguf] array type " << t << " not support for metadata.";
      throw std::invalid_argument(msg.str());
    }
  }
}

void put_metadata(std::string& s, const std::string& key, const GGUFMetaData& value) {
  if (std::holds_alternative<std::monostate>(value)) {
    return;
  }
  put_string(s, key);
  if (auto* str = std::get_if<std::string>(&value)) {
    io::put<uint32_t>(s, kString);
    put_string(s, *str);
  } else if (auto* list = std::get_if<std::vector<std::string>>(&value)) {
    io::put<uint32_t>(s, kArray);
    io::put<uint32_t>(s, kString);
    io::put<uint64_t>(s, list->size());
    for (const auto& v : *list) {
      put_string(s, v);
    }
  } else {
    array a = std::get<array>(value);
    if (a.ndim() > 1) {
      throw std::runtime_error("[save_gguf] Cannot save arrays with more than one dimension.");
    }
    if (a.size() == 0) {
      throw std::runtime_error("[save_gguf] Cannot save empty arrays.");
    }
    uint32_t type = metadata_type(a.dtype());
    a = io::row_contiguous(a);
    if (a.ndim() == 1) {
      io::put<uint32_t>(s, kArray);
      io::put<uint32_t>(s, type);
      io::put<uint64_t>(s, a.size());
    } else {
      io::put<uint32_t>(s, type);
    }
    s.append(a.data<char>(), a.nbytes());
  }
}

uint32_t tensor_type(Dtype t) {
  for (const auto& e : kTensorTypes) {
    if (e.dtype == t) {
      return e.id;
    }
  }
  std::ostringstream msg;
  msg << "[save_gguf] dtype " << t << " is not supported";
  throw std::runtime_error(msg.str());
}

} // namespace

void save_gguf(std::shared_ptr<io::Writer> out, std::unordered_map<std::string, array> arrays,
               std::unordered_map<std::string, GGUFMetaData> metadata) {
  // Sorted names make the file independent of hash order.
  std::vector<std::pair<std::string, array>> tensors(arrays.begin(), arrays.end());
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, GGUFMetaData>> meta(metadata.begin(), metadata.end());
  std::sort(meta.begin(), meta.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string kv;
  uint64_t n_kv = 0;
  for (const auto& [key, value] : meta) {
    put_metadata(kv, key, value);
    n_kv += !std::holds_alternative<std::monostate>(value);
  }

  std::string infos;
  uint64_t offset = 0;
  for (auto& [name, a] : tensors) {
    uint32_t type = tensor_type(a.dtype());
    a = io::row_contiguous(a);
    put_string(infos, name);
    io::put<uint32_t>(infos, a.ndim());
    for (int d = a.ndim() - 1; d >= 0; --d) {
      io::put<uint64_t>(infos, a.shape(d));
    }
    io::put<uint32_t>(infos, type);
    io::put<uint64_t>(infos, offset);
    offset += (a.nbytes() + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment;
  }

  std::string head;
  io::put<uint32_t>(head, kMagic);
  io::put<uint32_t>(head, 3);
  io::put<uint64_t>(head, tensors.size());
  io::put<uint64_t>(head, n_kv);
  head += kv;
  head += infos;
  head.append((kDefaultAlignment - head.size() % kDefaultAlignment) % kDefaultAlignment, '\0');
  out->write(head.data(), head.size());
  const std::string zeros(kDefaultAlignment, '\0');
  for (const auto& [name, a] : tensors) {
    io::write_array_data(*out, a);
    out->write(zeros.data(), (kDefaultAlignment - a.nbytes() % kDefaultAlignment) % kDefaultAlignment);
  }
}

void save_gguf(std::string file, std::unordered_map<std::string, array> arrays,
               std::unordered_map<std::string, GGUFMetaData> metadata) {
  for (auto& [name, a] : arrays) {
    a.eval();
  }
  auto out = io::open_file_writer(io::with_extension(std::move(file), ".gguf"), kSave);
  save_gguf(out, std::move(arrays), std::move(metadata));
}

} // namespace mlx::core
