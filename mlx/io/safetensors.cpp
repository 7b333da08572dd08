// .safetensors: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}, then
// the tensors' bytes (offsets relative to the end of the header).
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "mlx/io/common.h"
#include "mlx/io/json.h"

namespace mlx::core {

namespace {

using io::Json;

constexpr const char* kLoad = "load_safetensors";
constexpr const char* kSave = "save_safetensors";
// The safetensors package refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeader = 100'000'000;

struct DtypeName {
  const char* name;
  Dtype dtype;
};

// Both directions of the dtype names. F8 types have no MLX dtype: their
// bytes load as uint8, as MLX does.
constexpr DtypeName kNames[] = {
    {"BOOL", bool_},  {"U8", uint8},      {"U16", uint16},    {"U32", uint32},
    {"U64", uint64},  {"I8", int8},       {"I16", int16},     {"I32", int32},
    {"I64", int64},   {"F16", float16},   {"BF16", bfloat16}, {"F32", float32},
    {"F64", float64}, {"C64", complex64}, {"F8_E4M3", uint8}, {"F8_E5M2", uint8},
};

Dtype dtype_from_name(const std::string& name) {
  for (const auto& e : kNames) {
    if (name == e.name) {
      return e.dtype;
    }
  }
  io::fail(kLoad, "Unsupported dtype " + name + ".");
}

const char* name_of(Dtype t) {
  for (const auto& e : kNames) {
    if (e.dtype == t) {
      return e.name;
    }
  }
  throw std::invalid_argument("[save_safetensors] Unsupported dtype.");
}

const Json* member(const Json& obj, const std::string& key) {
  for (const auto& [k, v] : obj.members) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

uint64_t as_index(const Json* v, const std::string& tensor, const char* field) {
  if (v == nullptr || v->kind != Json::Kind::number || !v->is_integer || v->negative) {
    io::fail(kLoad, "Tensor '" + tensor + "' has an invalid '" + field + "' entry.");
  }
  return v->integer;
}

} // namespace

SafetensorsLoad load_safetensors(std::shared_ptr<io::Reader> in, StreamOrDevice s) {
  // Arrays are read eagerly on the host; the stream is still checked (a
  // gpu stream without a gpu backend is an error, as in MLX).
  to_stream(s);
  const std::string& label = in->label();
  uint64_t file_size = in->size();
  if (file_size < 8) {
    io::fail(kLoad, "File " + label + " is too small to be a safetensors file.");
  }
  uint64_t header_len = 0;
  in->read_at(&header_len, 8, 0);
  if (header_len > file_size - 8 || header_len > kMaxHeader) {
    io::fail(kLoad, "Invalid json header length file " + label);
  }
  std::string text(header_len, '\0');
  in->read_at(text.data(), header_len, 8);
  Json header = io::parse_json(text, kLoad);
  if (header.kind != Json::Kind::object) {
    io::fail(kLoad, "The header of " + label + " is not a JSON object.");
  }
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;

  SafetensorsLoad out;
  for (const auto& [name, info] : header.members) {
    if (name == "__metadata__") {
      if (info.kind == Json::Kind::null) {
        continue;
      }
      if (info.kind != Json::Kind::object) {
        io::fail(kLoad, "__metadata__ must be an object of strings.");
      }
      for (const auto& [k, v] : info.members) {
        if (v.kind != Json::Kind::string) {
          io::fail(kLoad, "Metadata value for key '" + k + "' is not a string.");
        }
        out.second[k] = v.str;
      }
      continue;
    }
    if (info.kind != Json::Kind::object) {
      io::fail(kLoad, "Tensor '" + name + "' has an invalid entry.");
    }
    const Json* dt = member(info, "dtype");
    const Json* shape = member(info, "shape");
    const Json* offsets = member(info, "data_offsets");
    if (dt == nullptr || dt->kind != Json::Kind::string) {
      io::fail(kLoad, "Tensor '" + name + "' has no valid 'dtype'.");
    }
    if (shape == nullptr || shape->kind != Json::Kind::array) {
      io::fail(kLoad, "Tensor '" + name + "' has no valid 'shape'.");
    }
    if (offsets == nullptr || offsets->kind != Json::Kind::array || offsets->items.size() != 2) {
      io::fail(kLoad, "Tensor '" + name + "' has no valid 'data_offsets'.");
    }
    Dtype dtype = dtype_from_name(dt->str);
    std::vector<uint64_t> dims;
    for (const auto& d : shape->items) {
      dims.push_back(as_index(&d, name, "shape"));
    }
    uint64_t begin = as_index(&offsets->items[0], name, "data_offsets");
    uint64_t end = as_index(&offsets->items[1], name, "data_offsets");
    if (begin > end || end > data_size) {
      std::ostringstream msg;
      msg << "Tensor '" << name << "' invalid data offsets (" << begin << ", " << end
          << ") exceeding the size of the file. Perhaps an incomplete download or corrupt file?";
      io::fail(kLoad, msg.str());
    }
    // Only overflow is checked here; the size must then match the offsets
    // exactly, which bounds it by the file before anything is allocated.
    size_t nbytes = io::checked_nbytes(dims, dtype, UINT64_MAX, kLoad, "Tensor '" + name + "'");
    if (nbytes != end - begin) {
      std::ostringstream msg;
      msg << "Tensor '" << name << "' invalid data offsets (" << begin << ", " << end << "). Expecting "
          << nbytes << " bytes.";
      io::fail(kLoad, msg.str());
    }
    Shape s(dims.begin(), dims.end());
    array a = io::empty_array(s, dtype);
    if (nbytes > 0) {
      in->read_at(a.data<char>(), nbytes, data_start + begin);
    }
    out.first.insert_or_assign(name, std::move(a));
  }
  return out;
}

SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s) {
  return load_safetensors(io::open_file_reader(file, kLoad), s);
}

void save_safetensors(std::shared_ptr<io::Writer> out, std::unordered_map<std::string, array> arrays,
                      std::unordered_map<std::string, std::string> metadata) {
  // Widest dtypes first, then by name: every tensor lands aligned to its
  // element size, and the file does not depend on hash order.
  std::vector<std::pair<std::string, array>> items(arrays.begin(), arrays.end());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    if (a.second.itemsize() != b.second.itemsize()) {
      return a.second.itemsize() > b.second.itemsize();
    }
    return a.first < b.first;
  });
  for (auto& [name, a] : items) {
    if (name == "__metadata__") {
      throw std::invalid_argument("[save_safetensors] '__metadata__' cannot name a tensor.");
    }
    name_of(a.dtype());
    a = io::row_contiguous(a);
  }

  std::string header = "{";
  if (!metadata.empty()) {
    std::vector<std::pair<std::string, std::string>> meta(metadata.begin(), metadata.end());
    std::sort(meta.begin(), meta.end());
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < meta.size(); ++i) {
      header += (i ? "," : "") + io::json_quote(meta[i].first) + ":" + io::json_quote(meta[i].second);
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& [name, a] : items) {
    if (header.size() > 1) {
      header += ",";
    }
    header += io::json_quote(name) + ":{\"dtype\":\"" + name_of(a.dtype()) + "\",\"shape\":[";
    for (int i = 0; i < a.ndim(); ++i) {
      header += (i ? "," : "") + std::to_string(a.shape(i));
    }
    header +=
        "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + a.nbytes()) + "]}";
    offset += a.nbytes();
  }
  header += "}";
  // Spaces pad the header so the data starts 8-byte aligned (as the
  // safetensors package writes it).
  header.append((8 - header.size() % 8) % 8, ' ');

  std::string prefix;
  io::put<uint64_t>(prefix, header.size());
  out->write(prefix.data(), prefix.size());
  out->write(header.data(), header.size());
  for (const auto& [name, a] : items) {
    io::write_array_data(*out, a);
  }
}

void save_safetensors(std::string file, std::unordered_map<std::string, array> arrays,
                      std::unordered_map<std::string, std::string> metadata) {
  for (auto& [name, a] : arrays) {
    a.eval();
  }
  auto out = io::open_file_writer(io::with_extension(std::move(file), ".safetensors"), kSave);
  save_safetensors(out, std::move(arrays), std::move(metadata));
}

} // namespace mlx::core
