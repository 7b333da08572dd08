// Unpacking of quantized GGUF blocks (layouts from ggml's block_q* structs).
#include "mlx/io/gguf_quants.h"

#include <cstring>
#include <limits>

#include "mlx/io/common.h"

namespace mlx::core::io {

namespace {

constexpr const char* kOp = "load_gguf";

constexpr QuantType kTypes[] = {
    {2, "Q4_0", 32, 18},   {3, "Q4_1", 32, 20},    {8, "Q8_0", 32, 34},
    {10, "Q2_K", 256, 84}, {12, "Q4_K", 256, 144}, {14, "Q6_K", 256, 210},
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

// ---- K-quants, dequantized (ggml's dequantize_row_q*_K).

void dequant_q2_k(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* q = b + 16;
  float d = half(b + 80), dmin = half(b + 82);
  int is = 0;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half16 = 0; half16 < 2; ++half16) {
        uint8_t sc = scales[is++];
        float dl = d * (sc & 0xF), ml = dmin * (sc >> 4);
        for (int l = 0; l < 16; ++l) {
          *y++ = dl * ((q[l + 16 * half16] >> shift) & 3) - ml;
        }
      }
    }
    q += 32;
  }
}

void scale_min_k4(int j, const uint8_t* q, uint8_t& d, uint8_t& m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void dequant_q4_k(const uint8_t* b, float* y) {
  float d = half(b), dmin = half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* q = b + 16;
  for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
    uint8_t sc, m;
    scale_min_k4(is, scales, sc, m);
    float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, scales, sc, m);
    float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) {
      *y++ = d1 * (q[l] & 0xF) - m1;
    }
    for (int l = 0; l < 32; ++l) {
      *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void dequant_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  float d = half(b + 208);
  for (int n = 0; n < 256; n += 128) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

void insert_unique(std::unordered_map<std::string, array>& out, const std::string& name, array a) {
  if (!out.emplace(name, std::move(a)).second) {
    fail(kOp, "Duplicate parameter name " + name + " (this can happen when loading quantized tensors).");
  }
}

} // namespace

const QuantType* gguf_quant_type(uint32_t id) {
  for (const auto& t : kTypes) {
    if (t.id == id) {
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

  if (q.block == 256) {
    array a = empty_array(shape, float16);
    auto* dst = a.data<float16_t>();
    float tmp[256];
    for (uint64_t i = 0; i < blocks; ++i) {
      const uint8_t* b = raw.data() + i * q.bytes;
      if (q.id == 10) {
        dequant_q2_k(b, tmp);
      } else if (q.id == 12) {
        dequant_q4_k(b, tmp);
      } else {
        dequant_q6_k(b, tmp);
      }
      for (int k = 0; k < 256; ++k) {
        dst[i * 256 + k] = static_cast<float16_t>(tmp[k]);
      }
    }
    insert_unique(out, name, std::move(a));
    return;
  }

  int bits = q.id == 8 ? 8 : 4;
  Shape wshape = shape, gshape = shape;
  wshape.back() = static_cast<ShapeElem>(dims.back() * bits / 32);
  gshape.back() = static_cast<ShapeElem>(dims.back() / 32);
  array w = empty_array(wshape, uint32);
  array scales = empty_array(gshape, float16);
  array biases = empty_array(gshape, float16);
  const int words = bits; // 32 elements of `bits` bits = `bits` uint32 words
  for (uint64_t i = 0; i < blocks; ++i) {
    pack_block(q, raw.data() + i * q.bytes, w.data<uint32_t>() + i * words, scales.data<float16_t>() + i,
               biases.data<float16_t>() + i);
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
