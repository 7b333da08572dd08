// AVX2 loops of attention's decoding case (fast_attention_avx2.cpp): false
// when the CPU or the head size does not fit them (the caller then runs its
// portable loops).
#pragma once

namespace mlx::core::cpu {

// s (rows x kb) = alpha q k^T; q rows and k rows of D values (D % 8 == 0).
bool few_rows_scores_avx2(int rows, int kb, int D, float alpha, const float* Q, const float* K, float* s);

// o (rows x Dv) += s (rows x kb) v (kb x Dv), Dv % 8 == 0.
bool few_rows_values_avx2(int rows, int kb, int Dv, const float* s, const float* V, float* o);

} // namespace mlx::core::cpu
