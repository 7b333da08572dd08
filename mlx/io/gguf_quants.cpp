// Unpacking of quantized GGUF blocks (layouts from ggml's block_q* structs).
#include "mlx/io/gguf_quants.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "mlx/io/common.h"

namespace mlx::core::io {

namespace {

constexpr const char* kOp = "load_gguf";

// id, name, block elements, block bytes, bits and group size of the affine
// form, whether MLX reads it (as float16 for the K-quants).
constexpr QuantType kTypes[] = {
    {2, "Q4_0", 32, 18, 4, 32, true},      {3, "Q4_1", 32, 20, 4, 32, true},
    {8, "Q8_0", 32, 34, 8, 32, true},      {10, "Q2_K", 256, 84, 2, 16, true},
    {11, "Q3_K", 256, 110, 3, 16, false},  {12, "Q4_K", 256, 144, 4, 32, true},
    {13, "Q5_K", 256, 176, 5, 32, false},  {14, "Q6_K", 256, 210, 6, 16, true},
    {15, "Q8_K", 256, 292, 8, 128, false},
};

float half(const uint8_t* p) {
  float16_t h;
  std::memcpy(&h, p, 2);
  return static_cast<float>(h);
}

// ---- Q4_0, Q4_1, Q8_0: repacked for MLX's affine dequantization
// (value = scale * q + bias, q unsigned, packed low bits first in uint32).

void pack_block(const QuantType& q, const uint8_t* b, uint32_t* w, float16_t* scale, float16_t* bias) {
  if (q.id == 8) {
    // Q8_0: d, then 32 int8; d * q == d * (q + 128) - 128 d.
    float d = half(b);
    const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
    std::memset(w, 0, 8 * sizeof(uint32_t));
    for (int e = 0; e < 32; ++e) {
      w[e / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(qs[e] + 128)) << (8 * (e % 4));
    }
    *scale = static_cast<float16_t>(d);
    *bias = static_cast<float16_t>(-128.0f * d);
    return;
  }
  // Q4_0: d, then 16 bytes; element e < 16 is the low nibble of byte e,
  // e >= 16 the high nibble of byte e - 16; value d * (q - 8).
  // Q4_1: d, m, then the same nibbles; value d * q + m.
  const uint8_t* qs = b + (q.id == 2 ? 2 : 4);
  std::memset(w, 0, 4 * sizeof(uint32_t));
  for (int e = 0; e < 32; ++e) {
    uint32_t v = e < 16 ? (qs[e] & 0xF) : (qs[e - 16] >> 4);
    w[e / 8] |= v << (4 * (e % 8));
  }
  float d = half(b);
  *scale = static_cast<float16_t>(d);
  *bias = static_cast<float16_t>(q.id == 2 ? -8.0f * d : half(b + 2));
}

// ---- K-quants: super-blocks of 256 elements, read as unsigned codes and
// one affine (scale, bias) pair per group, so that value = scale * code +
// bias (float32) equals ggml's dequantize_row_q*_K exactly (Q8_K: within an
// ulp, its scale being a float32). Layouts from ggml's block_q*_K structs.

struct KBlock {
  uint8_t codes[256];
  float scales[16], biases[16];
};

// Q4_K/Q5_K: 6-bit scale and min of group j (of 8) from the 12 packed bytes.
void scale_min_k4(int j, const uint8_t* q, int& d, int& m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void read_kblock(uint32_t id, const uint8_t* b, KBlock& k) {
  switch (id) {
    case 10: { // Q2_K: scales[16], qs[64], d, dmin; groups of 16, 2 bits.
      const uint8_t* q = b + 16;
      float d = half(b + 80), dmin = half(b + 82);
      for (int e = 0; e < 256; ++e) {
        k.codes[e] = (q[(e / 128) * 32 + e % 32] >> (2 * ((e % 128) / 32))) & 3;
      }
      for (int g = 0; g < 16; ++g) {
        k.scales[g] = d * float(b[g] & 0xF);
        k.biases[g] = -(dmin * float(b[g] >> 4));
      }
      return;
    }
    case 11: { // Q3_K: hmask[32], qs[64], scales[12], d; groups of 16, 3 bits.
      const uint8_t* hm = b;
      const uint8_t* q = b + 32;
      const uint8_t* sc = b + 96;
      float d = half(b + 108);
      for (int e = 0; e < 256; ++e) {
        int lo = (q[(e / 128) * 32 + e % 32] >> (2 * ((e % 128) / 32))) & 3;
        int hi = (hm[e % 32] >> (e / 32)) & 1;
        k.codes[e] = static_cast<uint8_t>(lo | (hi << 2)); // value (code - 4) * d * (s - 32)
      }
      for (int g = 0; g < 16; ++g) {
        int s = ((sc[g % 8] >> (4 * (g / 8))) & 0xF) | (((sc[8 + g % 4] >> (2 * (g / 4))) & 3) << 4);
        k.scales[g] = d * float(s - 32);
        k.biases[g] = -4.0f * k.scales[g];
      }
      return;
    }
    case 12:
    case 13: { // Q4_K: d, dmin, scales[12], qs[128]; Q5_K adds qh[32] before
               // qs. Groups of 32, 4 or 5 bits.
      bool five = id == 13;
      const uint8_t* qh = b + 16;
      const uint8_t* q = b + (five ? 48 : 16);
      float d = half(b), dmin = half(b + 2);
      for (int e = 0; e < 256; ++e) {
        int c = (q[(e / 64) * 32 + e % 32] >> (4 * ((e % 64) / 32))) & 0xF;
        if (five) {
          c |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
        }
        k.codes[e] = static_cast<uint8_t>(c);
      }
      for (int g = 0; g < 8; ++g) {
        int s, m;
        scale_min_k4(g, b + 4, s, m);
        k.scales[g] = d * float(s);
        k.biases[g] = -(dmin * float(m));
      }
      return;
    }
    case 14: { // Q6_K: ql[128], qh[64], scales[16] (int8), d; groups of 16.
      const uint8_t* ql = b;
      const uint8_t* qh = b + 128;
      const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
      float d = half(b + 208);
      for (int e = 0; e < 256; ++e) {
        int h = e / 128, r = e % 128;
        int lo = (ql[h * 64 + r % 64] >> (4 * (r / 64))) & 0xF;
        int hi = (qh[h * 32 + r % 32] >> (2 * (r / 32))) & 3;
        k.codes[e] = static_cast<uint8_t>(lo | (hi << 4)); // value (code - 32) * d * s
      }
      for (int g = 0; g < 16; ++g) {
        k.scales[g] = d * float(sc[g]);
        k.biases[g] = -32.0f * k.scales[g];
      }
      return;
    }
    default: { // Q8_K: float d, int8 qs[256], int16 bsums[16]; groups of 128.
      float d;
      std::memcpy(&d, b, 4);
      for (int e = 0; e < 256; ++e) {
        k.codes[e] = static_cast<uint8_t>(static_cast<int8_t>(b[4 + e]) + 128);
      }
      for (int g = 0; g < 2; ++g) {
        k.scales[g] = d;
        k.biases[g] = -128.0f * d;
      }
    }
  }
}

// n codes of `bits` bits appended to MLX's bit stream (code i in bits
// [i*bits, (i+1)*bits)); `out` starts zeroed and word-aligned.
void pack_codes(const uint8_t* codes, int n, int bits, uint32_t* out) {
  for (int i = 0; i < n; ++i) {
    int p = i * bits;
    out[p / 32] |= uint32_t(codes[i]) << (p % 32);
    if (p % 32 + bits > 32) {
      out[p / 32 + 1] |= uint32_t(codes[i]) >> (32 - p % 32);
    }
  }
}

void insert_unique(std::unordered_map<std::string, array>& out, const std::string& name, array a) {
  if (!out.emplace(name, std::move(a)).second) {
    fail(kOp, "Duplicate parameter name " + name + " (this can happen when loading quantized tensors).");
  }
}

} // namespace

bool gguf_kquants_as_float16() {
  const char* v = std::getenv("MLX_GGUF_KQUANTS");
  if (!v || std::strcmp(v, "quantized") == 0 || *v == 0) {
    return false;
  }
  if (std::strcmp(v, "float16") != 0) {
    fail(kOp, std::string("MLX_GGUF_KQUANTS must be 'quantized' or 'float16' but is '") + v + "'.");
  }
  return true;
}

const QuantType* gguf_quant_type(uint32_t id) {
  bool mlx_only = gguf_kquants_as_float16();
  for (const auto& t : kTypes) {
    if (t.id == id && (t.mlx || !mlx_only)) {
      return &t;
    }
  }
  return nullptr;
}

void load_gguf_quantized(Reader& in, uint64_t offset, uint64_t available, const QuantType& q,
                         const std::string& name, const std::vector<uint64_t>& dims,
                         std::unordered_map<std::string, array>& out) {
  if (dims.empty() || dims.back() % q.block != 0) {
    fail(kOp, "Tensor '" + name + "' of type " + q.name + " must have a last dimension divisible by " +
                  std::to_string(q.block) + ".");
  }
  // Shape checks as for plain tensors; the byte count is blocks * bytes.
  checked_nbytes(dims, uint8, std::numeric_limits<uint64_t>::max(), kOp, "Tensor '" + name + "'");
  uint64_t elems = 1;
  for (auto d : dims) {
    elems *= d;
  }
  uint64_t blocks = elems / q.block;
  if (blocks > available / q.bytes) {
    fail(kOp, "Tensor '" + name + "' runs past the end of the file (the file is truncated or corrupt).");
  }
  std::vector<uint8_t> raw(blocks * q.bytes);
  if (!raw.empty()) {
    in.read_at(raw.data(), raw.size(), offset);
  }
  Shape shape(dims.begin(), dims.end());

  if (q.block == 256 && gguf_kquants_as_float16()) {
    // MLX's behaviour: the values, as float16.
    array a = empty_array(shape, float16);
    auto* dst = a.data<float16_t>();
    KBlock k;
    for (uint64_t i = 0; i < blocks; ++i) {
      read_kblock(q.id, raw.data() + i * q.bytes, k);
      for (int e = 0; e < 256; ++e) {
        int g = e / q.group;
        dst[i * 256 + e] = static_cast<float16_t>(k.scales[g] * float(k.codes[e]) + k.biases[g]);
      }
    }
    insert_unique(out, name, std::move(a));
    return;
  }

  Shape wshape = shape, gshape = shape;
  wshape.back() = static_cast<ShapeElem>(dims.back() * q.bits / 32);
  gshape.back() = static_cast<ShapeElem>(dims.back() / q.group);
  array w = empty_array(wshape, uint32);
  // Q4_0, Q4_1, Q8_0: float16 parameters as MLX; K-quants: float32 ones,
  // which hold their products of two scales exactly.
  bool k_quant = q.block == 256;
  array scales = empty_array(gshape, k_quant ? float32 : float16);
  array biases = empty_array(gshape, k_quant ? float32 : float16);
  const uint64_t words = uint64_t(q.block) * q.bits / 32;
  const int groups = q.block / q.group;
  if (k_quant) {
    std::memset(w.data<uint32_t>(), 0, w.nbytes());
    KBlock k;
    for (uint64_t i = 0; i < blocks; ++i) {
      read_kblock(q.id, raw.data() + i * q.bytes, k);
      pack_codes(k.codes, 256, q.bits, w.data<uint32_t>() + i * words);
      std::memcpy(scales.data<float>() + i * groups, k.scales, groups * sizeof(float));
      std::memcpy(biases.data<float>() + i * groups, k.biases, groups * sizeof(float));
    }
  } else {
    for (uint64_t i = 0; i < blocks; ++i) {
      pack_block(q, raw.data() + i * q.bytes, w.data<uint32_t>() + i * words, scales.data<float16_t>() + i,
                 biases.data<float16_t>() + i);
    }
  }
  // "blk.0.attn_q.weight" -> "blk.0.attn_q.{weight,scales,biases}".
  const std::string suffix = ".weight";
  std::string base = name;
  std::string wname = name;
  if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    base = name.substr(0, name.size() - suffix.size());
  }
  insert_unique(out, wname, std::move(w));
  insert_unique(out, base + ".scales", std::move(scales));
  insert_unique(out, base + ".biases", std::move(biases));
}

} // namespace mlx::core::io
