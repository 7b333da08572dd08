// bfloat16 matrix products on Intel AMX (Sapphire Rapids and later): tiles of
// 16 rows x 64 bytes, `tdpbf16ps` multiplying a 16 x 32 tile of A by a 32 x
// 16 tile of B (stored as pairs of rows, "VNNI" order) into 16 x 16 float32
// sums. Products of two bfloat16 values are exact in float32, and the sums
// are float32, as in the widened product it replaces (only their order
// differs). AMX treats bfloat16 subnormals as zero.
//
// B is packed per product, zero-padded to whole tiles (K to a multiple of
// 32), into panels of 16 columns (K/2 rows of 16 column pairs: one tile row
// is 64 bytes); A is read in place where its rows are whole tiles, else
// packed row by row. A block of C is 32 x 32: four accumulator tiles, two
// of A, two of B. Tasks take up to 256 columns each, pack their panels and
// run every block of 32 rows past them (see amx_matmul_bf16).
//
// 2 vCPUs of the Xeon (AMX) host: 256^3 about 550 GFLOP/s, 512^3
// 1070-1120, 1024^3 1390-1400, 2048^3 1400-1550 (the widened product
// through OpenBLAS: 182, 229, 257 and 288; torch 2.13's oneDNN: 640-700,
// 1015-1115, 1150-1210, 1960-2170).
#include "mlx/backend/cpu/products_amx.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "mlx/allocator.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"

// GCC 12's _mm512_zextsi256_si512 inserts into a deliberately undefined
// vector, which it then warns of once inlined.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace mlx::core::cpu {

#if defined(__x86_64__) && defined(__linux__)

namespace {

constexpr int kTileRows = 16;
constexpr int kTileK = 32; // bfloat16 values per tile row
constexpr int kBlock = 32; // rows and columns of a block of C

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Linux hands out the AMX tile state only on request, once per process.
bool request_amx() {
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

// Element (i, j) of a matrix stored row-major (or, trans, column-major).
inline uint16_t at(const uint16_t* p, int64_t ld, bool trans, int64_t i, int64_t j) {
  return trans ? p[j * ld + i] : p[i * ld + j];
}

// Panel of B's columns [j0, j0 + cols) (cols <= 16; the rest of the
// panel stays 0): row r holds k = 2r and 2r + 1 of each column side by
// side, row r of a tile is 64 bytes.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void pack_panel(const uint16_t* b, int64_t ldb, bool tb,
                                                                     int j0, int cols, int k,
                                                                     uint16_t* panel) {
  if (tb) {
    // Column j of B is a row of the stored matrix: its pairs are 32-bit
    // words in place.
    for (int j = 0; j < cols; ++j) {
      const uint16_t* col = b + (j0 + j) * ldb;
      for (int r = 0; r < k / 2; ++r) {
        std::memcpy(panel + r * 32 + 2 * j, col + 2 * r, 4);
      }
      if (k % 2) { // the last pair half empty (a 0, never a stale value: inf * 0 is NaN)
        panel[(k / 2) * 32 + 2 * j] = col[k - 1];
        panel[(k / 2) * 32 + 2 * j + 1] = 0;
      }
    }
    return;
  }
  // Rows 2r and 2r + 1 (16 columns each) interleaved by one permute.
  const __mmask16 mask = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __m512i interleave = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
                                              39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
  for (int r = 0; r < (k + 1) / 2; ++r) {
    const __m512i even =
        _mm512_zextsi256_si512(_mm256_maskz_loadu_epi16(mask, b + int64_t(2 * r) * ldb + j0));
    const __m512i odd =
        2 * r + 1 < k
            ? _mm512_zextsi256_si512(_mm256_maskz_loadu_epi16(mask, b + int64_t(2 * r + 1) * ldb + j0))
            : _mm512_setzero_si512();
    _mm512_storeu_si512(panel + r * 32, _mm512_permutex2var_epi16(even, interleave, odd));
  }
}

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

#define MLX_TARGET_AMX __attribute__((target("amx-tile,amx-bf16,avx512f")))

// C's rows [i0, i0 + rows) (rows <= 32) and columns [j0, j1) (j0 a multiple
// of 32, at most 256 columns): A's block of 32 rows (ap, lda apart, kp
// columns) times the panels of B from j0 on (bp), through 2 x 2 tiles.
MLX_TARGET_AMX void block(const uint16_t* ap, int64_t lda, const uint16_t* bp, int64_t kp, float* c,
                          int64_t ldc, int rows, int j0, int j1) {
  // K in chunks of 256: the block's chunk of A (16 KB) stays in L1 while it
  // meets each pair of panels; the sums of the pairs (at most 8 x 4 KB) wait
  // in tiles' memory between chunks, and go to C once at the end. (All of K
  // per pair, C written pair by pair: 256^3 386-463 GFLOP/s, 512^3 785-899,
  // 1024^3 1250-1330; now about 550, 1070-1120, 1390-1400.)
  constexpr int64_t chunk = 256;
  const int pairs = (j1 - j0 + kBlock - 1) / kBlock;
  thread_local std::vector<float> sums_buffer;
  sums_buffer.resize(size_t(pairs) * kBlock * kBlock + 16);
  float* sums =
      reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(sums_buffer.data()) + 63) & ~uintptr_t(63));
  const int64_t panel = kp * kTileRows; // bfloat16 values per panel
  for (int64_t c0 = 0; c0 < kp; c0 += chunk) {
    const int64_t c1 = std::min(kp, c0 + chunk);
    for (int q = 0; q < pairs; ++q) {
      float* out = sums + q * kBlock * kBlock;
      if (c0 == 0) {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
      } else {
        _tile_loadd(0, out, kBlock * 4);
        _tile_loadd(1, out + kTileRows, kBlock * 4);
        _tile_loadd(2, out + kTileRows * kBlock, kBlock * 4);
        _tile_loadd(3, out + kTileRows * kBlock + kTileRows, kBlock * 4);
      }
      const uint16_t* b0 = bp + ((j0 + q * kBlock) / kTileRows) * panel;
      const uint16_t* b1 = b0 + panel;
      for (int64_t k0 = c0; k0 < c1; k0 += kTileK) {
        _tile_loadd(4, ap + k0, lda * 2);
        _tile_loadd(5, ap + kTileRows * lda + k0, lda * 2);
        _tile_loadd(6, b0 + k0 * kTileRows, 64);
        _tile_loadd(7, b1 + k0 * kTileRows, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
      }
      _tile_stored(0, out, kBlock * 4);
      _tile_stored(1, out + kTileRows, kBlock * 4);
      _tile_stored(2, out + kTileRows * kBlock, kBlock * 4);
      _tile_stored(3, out + kTileRows * kBlock + kTileRows, kBlock * 4);
    }
  }
  for (int q = 0; q < pairs; ++q) {
    const int j = j0 + q * kBlock, cols = std::min(kBlock, j1 - j);
    for (int i = 0; i < rows; ++i) {
      std::memcpy(c + i * ldc + j, sums + q * kBlock * kBlock + i * kBlock, cols * sizeof(float));
    }
  }
}

MLX_TARGET_AMX void load_tile_config() {
  static const TileConfig config = [] {
    TileConfig t;
    for (int i = 0; i < 8; ++i) {
      t.colsb[i] = 64;
      t.rows[i] = kTileRows;
    }
    return t;
  }();
  _tile_loadconfig(&config);
}

MLX_TARGET_AMX void release_tiles() { _tile_release(); }

} // namespace

bool amx_bf16_available() {
  static const bool ok = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-bf16") && request_amx();
  }();
  return ok && isa() >= Isa::avx512;
}

void amx_matmul_bf16(const uint16_t* a, int64_t lda, bool ta, const uint16_t* b, int64_t ldb, bool tb,
                     float* c, int m, int n, int k) {
  const int64_t kp = round_up(k, kTileK);
  const int mp = int(round_up(m, kBlock)), np = int(round_up(n, kBlock));
  // Both operands packed once, into buffers from the allocator's cache
  // (fresh pages cost a fault each; 64-byte aligned). B's panels: panel p,
  // row r (k = 2r, 2r + 1), column j at bp[p * kp * 16 + r * 32 + 2 j + (k
  // & 1)]. A's rows kp + 32 apart: at a power-of-two stride (kp = 2048: 4
  // KB) a tile's 16 rows would all fall in one set of L1.
  const int panels = np / kTileRows;
  const int64_t lda_p = kp + kTileK;
  struct Scratch {
    allocator::Buffer buffer;
    explicit Scratch(size_t bytes) : buffer(allocator::malloc(bytes)) {}
    ~Scratch() { allocator::free(buffer); }
    uint16_t* data() const { return static_cast<uint16_t*>(buffer.raw_ptr()); }
  };
  // A is read in place where its rows are whole tiles already (row-major,
  // k a multiple of 32, whole blocks of rows) and their stride is not a
  // multiple of 4 KB (a tile's rows in one L1 set): 512^3 720 -> 890
  // GFLOP/s, 1024^3 1160 -> 1270-1330.
  const bool direct = !ta && k % kTileK == 0 && m % kBlock == 0 && (lda * 2) % 4096 != 0;
  Scratch b_buffer(size_t(panels) * kp * kTileRows * 2), a_buffer(direct ? 64 : size_t(mp) * lda_p * 2);
  uint16_t* bp = b_buffer.data();
  uint16_t* ap = a_buffer.data();
  if (!direct) {
    parallel_for(size_t(mp), 16, [&](size_t i0, size_t i1) {
      for (size_t i = i0; i < i1; ++i) {
        uint16_t* row = ap + i * lda_p;
        if (i >= size_t(m)) {
          std::memset(row, 0, size_t(kp) * 2);
          continue;
        }
        if (!ta) {
          std::memcpy(row, a + i * lda, size_t(k) * 2);
        } else {
          for (int kk = 0; kk < k; ++kk) {
            row[kk] = at(a, lda, true, i, kk);
          }
        }
        std::memset(row + k, 0, size_t(kp - k) * 2);
      }
    });
  }
  // Tasks of up to 256 columns (at least two per thread where there are
  // enough): a task's panels (kp x 256 bfloat16, 1 MB at k = 2048) stay in
  // L2 while every block of 32 rows of A passes them; each block of A is
  // read once per task. (One task per block of rows, all of B's panels
  // each, read B from L3 for every 32 rows: 2048^3 ran at 620-930 GFLOP/s.)
  const int blocks = np / kBlock;
  const int per_task = std::max(1, std::min(8, blocks / (2 * num_threads())));
  const int tasks = (blocks + per_task - 1) / per_task;
  parallel_tasks(size_t(tasks), [&](size_t t) {
    const int j0 = int(t) * per_task * kBlock, j1 = std::min(n, j0 + per_task * kBlock);
    // The task's own panels, packed here: one parallel region fewer.
    for (int p = j0 / kTileRows; p < std::min(panels, (j0 + per_task * kBlock) / kTileRows); ++p) {
      uint16_t* panel = bp + int64_t(p) * kp * kTileRows;
      const int pj = p * kTileRows, cols = std::max(0, std::min(kTileRows, n - pj));
      if (tb && cols < kTileRows) {
        std::memset(panel, 0, size_t(kp) * kTileRows * 2);
      }
      pack_panel(b, ldb, tb, pj, cols, k, panel);
      const int64_t filled = (k + 1) / 2 * 32; // rows past k: zeros
      std::memset(panel + filled, 0, size_t(kp * kTileRows - filled) * 2);
    }
    load_tile_config();
    const uint16_t* a_rows = direct ? a : ap;
    const int64_t a_ld = direct ? lda : lda_p;
    for (int i0 = 0; i0 < m; i0 += kBlock) {
      block(a_rows + i0 * a_ld, a_ld, bp, kp, c + int64_t(i0) * n, n, std::min(kBlock, m - i0), j0, j1);
    }
    release_tiles();
  });
}

#else

bool amx_bf16_available() { return false; }

void amx_matmul_bf16(const uint16_t*, int64_t, bool, const uint16_t*, int64_t, bool, float*, int, int, int) {}

#endif

} // namespace mlx::core::cpu
