// .npy files: NumPy's header dict followed by the raw elements.
#include "mlx/io/npy.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "mlx/allocator.h"
#include "mlx/io/common.h"
#include "mlx/ops.h"
#include "mlx/primitive.h"

namespace mlx::core::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// NumPy refuses headers above 10k characters by default; we allow more
// but still bound the allocation a corrupt length can cause.
constexpr uint32_t kMaxHeader = 1 << 20;

[[noreturn]] void bad_header(const std::string& label, const std::string& why) {
  throw std::runtime_error("[load] Invalid header in file " + label + ": " + why);
}

// The descr string ("<f4", "|b1", "<V2") to a dtype.
Dtype parse_descr(const std::string& descr, bool& swap, const std::string& label) {
  auto unsupported = [&]() {
    throw std::invalid_argument("[load] Unsupported array protocol type-string: " + descr + " in file " +
                                label);
  };
  if (descr.size() < 3) {
    unsupported();
  }
  char order = descr[0];
  char kind = descr[1];
  std::string size = descr.substr(2);
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    unsupported();
  }
  swap = order == '>';
  struct Entry {
    char kind;
    const char* size;
    Dtype dtype;
  };
  static const Entry table[] = {
      {'b', "1", bool_},    {'u', "1", uint8},     {'u', "2", uint16},  {'u', "4", uint32},
      {'u', "8", uint64},   {'i', "1", int8},      {'i', "2", int16},   {'i', "4", int32},
      {'i', "8", int64},    {'f', "2", float16},   {'f', "4", float32}, {'f', "8", float64},
      {'V', "2", bfloat16}, {'c', "8", complex64},
  };
  for (const auto& e : table) {
    if (e.kind == kind && size == e.size) {
      if (e.dtype.size == 1) {
        swap = false;
      }
      return e.dtype;
    }
  }
  unsupported();
  return float32; // unreachable
}

std::string descr_of(Dtype t) {
  switch (t.val) {
    case Dtype::Val::bool_:
      return "|b1";
    case Dtype::Val::uint8:
      return "|u1";
    case Dtype::Val::uint16:
      return "<u2";
    case Dtype::Val::uint32:
      return "<u4";
    case Dtype::Val::uint64:
      return "<u8";
    case Dtype::Val::int8:
      return "|i1";
    case Dtype::Val::int16:
      return "<i2";
    case Dtype::Val::int32:
      return "<i4";
    case Dtype::Val::int64:
      return "<i8";
    case Dtype::Val::float16:
      return "<f2";
    case Dtype::Val::float32:
      return "<f4";
    case Dtype::Val::float64:
      return "<f8";
    case Dtype::Val::bfloat16:
      // NumPy has no bfloat16: a 2-byte void, as MLX writes it.
      return "<V2";
    case Dtype::Val::complex64:
      return "<c8";
  }
  return "";
}

// A tiny reader of the Python dict literal NumPy writes:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class DictParser {
 public:
  DictParser(const std::string& s, const std::string& label) : s_(s), label_(label) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    std::string descr;
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') {
        ++i_;
        break;
      }
      std::string key = quoted();
      expect(':');
      if (key == "descr") {
        descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.dims = tuple();
        have_shape = true;
      } else {
        bad_header(label_, "unexpected key '" + key + "'");
      }
      skip_ws();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != '}') {
        bad_header(label_, "expected ',' or '}'");
      }
    }
    if (!have_descr || !have_order || !have_shape) {
      bad_header(label_, "missing 'descr', 'fortran_order' or 'shape'");
    }
    h.dtype = parse_descr(descr, h.swap_bytes, label_);
    return h;
  }

 private:
  char peek() {
    skip_ws();
    if (i_ >= s_.size()) {
      bad_header(label_, "unexpected end of header");
    }
    return s_[i_];
  }
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) {
      ++i_;
    }
  }
  void expect(char c) {
    if (peek() != c) {
      bad_header(label_, std::string("expected '") + c + "'");
    }
    ++i_;
  }
  std::string quoted() {
    char q = peek();
    if (q != '\'' && q != '"') {
      bad_header(label_, "expected a string");
    }
    size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) {
      bad_header(label_, "unterminated string");
    }
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_ws();
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    bad_header(label_, "expected True or False");
  }
  std::vector<uint64_t> tuple() {
    std::vector<uint64_t> dims;
    expect('(');
    while (true) {
      char c = peek();
      if (c == ')') {
        ++i_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        bad_header(label_, "shape entries must be non-negative integers");
      }
      uint64_t v = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
        if (v > (UINT64_MAX - 9) / 10) {
          bad_header(label_, "shape entry too large");
        }
        v = v * 10 + (s_[i_++] - '0');
      }
      // NumPy may write 2L on Python 2 files.
      if (i_ < s_.size() && s_[i_] == 'L') {
        ++i_;
      }
      dims.push_back(v);
      if (dims.size() > 64) {
        bad_header(label_, "too many dimensions");
      }
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        bad_header(label_, "expected ',' or ')' in shape");
      }
    }
  }

  const std::string& s_;
  const std::string& label_;
  size_t i_{0};
};

// Swaps the bytes of each `width`-byte word in place.
void swap_words(char* p, size_t nbytes, size_t width) {
  for (size_t i = 0; i + width <= nbytes; i += width) {
    std::reverse(p + i, p + i + width);
  }
}

} // namespace

NpyHeader read_npy_header(const ReadFn& read, const std::string& label) {
  char pre[kMagicLen + 2];
  read(pre, sizeof(pre));
  if (std::memcmp(pre, kMagic, kMagicLen) != 0) {
    bad_header(label, "not a .npy file (bad magic)");
  }
  uint8_t major = static_cast<uint8_t>(pre[kMagicLen]);
  uint32_t len = 0;
  if (major == 1) {
    uint16_t l16;
    read(&l16, 2);
    len = l16;
  } else if (major == 2 || major == 3) {
    read(&len, 4);
  } else {
    throw std::runtime_error("[load] Unsupported npy format version " + std::to_string(major) + " in file " +
                             label);
  }
  if (len > kMaxHeader) {
    bad_header(label, "header length " + std::to_string(len) + " is too large");
  }
  std::string dict(len, '\0');
  read(dict.data(), len);
  return DictParser(dict, label).parse();
}

array read_npy_data(const NpyHeader& h, const ReadFn& read, uint64_t available, const std::string& label) {
  size_t nbytes = checked_nbytes(h.dims, h.dtype, available, "load", "The array in " + label);
  // Fortran order: the bytes are the transpose laid out row-major.
  Shape shape;
  for (auto d : h.dims) {
    shape.push_back(static_cast<ShapeElem>(d));
  }
  if (h.fortran_order) {
    std::reverse(shape.begin(), shape.end());
  }
  array out = empty_array(shape, h.dtype);
  read(out.data<char>(), nbytes);
  if (h.swap_bytes) {
    // Complex numbers swap each of their two float halves.
    size_t width = h.dtype == complex64 ? 4 : h.dtype.size;
    swap_words(out.data<char>(), nbytes, width);
  }
  if (h.fortran_order && out.ndim() > 1) {
    return transpose(out);
  }
  return out;
}

std::string npy_header(const array& a, bool fortran_order) {
  std::string dict = "{'descr': '" + descr_of(a.dtype()) + "', 'fortran_order': ";
  dict += fortran_order ? "True" : "False";
  dict += ", 'shape': (";
  for (int i = 0; i < a.ndim(); ++i) {
    dict += std::to_string(a.shape(i));
    if (a.ndim() == 1 || i + 1 < a.ndim()) {
      dict += a.ndim() == 1 ? "," : ", ";
    }
  }
  dict += "), }";
  // Pad with spaces so the data starts on a 64-byte boundary (as NumPy).
  size_t fixed = kMagicLen + 2 + 2;
  bool v2 = fixed + dict.size() + 1 > 65535;
  if (v2) {
    fixed += 2;
  }
  size_t total = fixed + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicLen);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  if (v2) {
    put<uint32_t>(out, static_cast<uint32_t>(dict.size()));
  } else {
    put<uint16_t>(out, static_cast<uint16_t>(dict.size()));
  }
  return out + dict;
}

array npy_layout(array a, bool& fortran_order) {
  a.eval();
  fortran_order = false;
  // A transposed matrix is written as-is in Fortran order: no copy.
  if (a.ndim() > 1 && !a.flags().row_contiguous && a.flags().col_contiguous && a.data_size() == a.size()) {
    fortran_order = true;
    return a;
  }
  return row_contiguous(a);
}

// Reads one array's bytes from a file when it is evaluated (MLX's load is
// lazy: the header is read at once, the data by eval, so a truncated file
// raises at eval, and the buffer is an intermediate that later ops reuse).
// The reader keeps the file open until then.
namespace {

class Load : public Primitive {
 public:
  Load(Stream s, std::shared_ptr<Reader> in, size_t offset, size_t swap_width)
      : Primitive(s), in_(std::move(in)), offset_(offset), swap_width_(swap_width) {}
  void eval_cpu(const std::vector<array>&, std::vector<array>& outputs) override {
    auto& out = outputs[0];
    size_t nbytes = out.nbytes();
    size_t size = in_->size();
    if (offset_ > size || nbytes > size - offset_) {
      std::ostringstream msg;
      msg << "The array in " << in_->label() << " needs " << nbytes << " bytes but only "
          << (offset_ > size ? 0 : size - offset_)
          << " remain in the file (the file is truncated or corrupt).";
      fail("load", msg.str());
    }
    out.set_data(allocator::malloc(nbytes));
    in_->read_at(out.data<char>(), nbytes, offset_);
    if (swap_width_ > 1) {
      swap_words(out.data<char>(), nbytes, swap_width_);
    }
  }
#ifdef MLX_BACKEND_GPU
  // Memory is unified: the bytes are read on the host for either device.
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override {
    eval_cpu(inputs, outputs);
  }
#endif
  const char* name() const override { return "Load"; }

 private:
  std::shared_ptr<Reader> in_;
  size_t offset_;
  size_t swap_width_;
};

} // namespace

} // namespace mlx::core::io

// ------------------------------------------------------------- public API

namespace mlx::core {

using namespace io;

array load(std::shared_ptr<io::Reader> in, StreamOrDevice s) {
  // The header now (a bad one raises here), the data when evaluated.
  Stream stream = to_stream(s);
  Cursor cur(*in, 0, "load");
  ReadFn read = [&](void* dst, size_t n) { cur.bytes(dst, n); };
  NpyHeader h = read_npy_header(read, in->label());
  // Dims are checked now; whether the file holds the bytes, at eval.
  checked_nbytes(h.dims, h.dtype, std::numeric_limits<uint64_t>::max(), "load",
                 "The array in " + in->label());
  Shape shape;
  for (auto d : h.dims) {
    shape.push_back(static_cast<ShapeElem>(d));
  }
  if (h.fortran_order) {
    // The bytes are the transpose laid out row-major.
    std::reverse(shape.begin(), shape.end());
  }
  size_t width = !h.swap_bytes ? 0 : h.dtype == complex64 ? 4 : h.dtype.size;
  array out(shape, h.dtype, std::make_shared<Load>(stream, in, cur.pos(), width), {});
  if (h.fortran_order && out.ndim() > 1) {
    return transpose(out, stream);
  }
  return out;
}

array load(const std::string& file, StreamOrDevice s) { return load(open_file_reader(file, "load"), s); }

void save(std::shared_ptr<io::Writer> out, array a) {
  bool fortran = false;
  a = npy_layout(std::move(a), fortran);
  std::string header = npy_header(a, fortran);
  out->write(header.data(), header.size());
  write_array_data(*out, a);
}

void save(std::string file, array a) {
  // Evaluate before creating the file so a failing graph leaves no file.
  a.eval();
  save(open_file_writer(with_extension(std::move(file), ".npy"), "save"), std::move(a));
}

} // namespace mlx::core
