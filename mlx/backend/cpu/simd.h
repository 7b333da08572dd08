// Run-time choice of the instruction set for vectorizable loops. A kernel
// writes its loop once, as portable C++ in a lambda declared with
// MLX_SIMD_LAMBDA, and runs it through `simd(...)`: the lambda (always
// inlined) becomes the body of one wrapper per instruction set, x86-64-v4
// (AVX-512), x86-64-v3 (AVX2, FMA, F16C) and baseline x86-64, so the
// compiler vectorizes the loop for each, inlining its helpers as in any
// function of that target. No -march flag is needed. (Not `flatten`: forcing
// every nested call inline keeps GCC from vectorizing some loops.)
//
// The set is chosen once per process: the best the CPU has, or a lower one
// where the environment variable MLX_CPU_ISA asks for it (`scalar`,
// `avx2`, `avx512`), so that tests can run every path the host can run.
// Hand-written intrinsics paths ask `isa()` too.
#pragma once

#include <utility>

namespace mlx::core::cpu {

// Ordered: a path may be taken when isa() is at least its level.
enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

// The instruction set the kernels use in this process.
Isa isa();
// The best instruction set this CPU can run, whatever MLX_CPU_ISA says.
Isa cpu_best_isa();
const char* isa_name(Isa isa);
// Whether the CPU is AMD's: a few tuning choices differ by vendor (the
// prefetch hint of streamed weights, quantized_kernels.h).
bool cpu_is_amd();

// Whether the CPU has AVX-512 VNNI (vpdpbusd), which the fixed-point
// quantized kernel needs beside isa() == avx512.
bool cpu_has_avx512_vnni();

// A lambda capturing by reference, inlined into each wrapper.
#define MLX_SIMD_LAMBDA [&]() __attribute__((always_inline))

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)

namespace detail {
template <typename F>
__attribute__((target("arch=x86-64-v4"))) decltype(auto) run_avx512(const F& f) {
  return f();
}
template <typename F>
__attribute__((target("arch=x86-64-v3"))) decltype(auto) run_avx2(const F& f) {
  return f();
}
template <typename F>
decltype(auto) run_scalar(const F& f) {
  return f();
}
} // namespace detail

// f() compiled for isa(). f is a MLX_SIMD_LAMBDA; keep its body to loops and
// inline helpers (always_inline for big ones): a call that is not inlined
// runs at the baseline instruction set.
template <typename F>
decltype(auto) simd(F&& f) {
  switch (isa()) {
    case Isa::avx512:
      return detail::run_avx512(f);
    case Isa::avx2:
      return detail::run_avx2(f);
    default:
      return detail::run_scalar(f);
  }
}

#else

template <typename F>
decltype(auto) simd(F&& f) {
  return f();
}

#endif

} // namespace mlx::core::cpu
