// Runtime ISA dispatch for vectorizable loops: the compiler builds each
// marked function for x86-64-v4 (AVX-512), v3 (AVX2+FMA+F16C) and baseline,
// and the loader picks one for the running CPU. No -march flag is needed.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MLX_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MLX_SIMD_CLONES
#endif
