// bfloat16 matrix products on Intel AMX tiles (products_amx.cpp).
#pragma once

#include <cstdint>

namespace mlx::core::cpu {

// Whether the CPU has AMX-BF16, Linux granted this process the tile state,
// and MLX_CPU_ISA allows AVX-512 (checked once; the grant is asked for on
// the first call).
bool amx_bf16_available();

// c (m x n, row-major, float32) = a (m x k) b (k x n), bfloat16 bits stored
// row-major with leading dimensions lda, ldb, or column-major where ta, tb.
// Threaded on the pool.
void amx_matmul_bf16(const uint16_t* a, int64_t lda, bool ta, const uint16_t* b, int64_t ldb, bool tb,
                     float* c, int m, int n, int k);

} // namespace mlx::core::cpu
