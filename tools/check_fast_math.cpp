// Accuracy and speed check of the float32 functions in
// mlx/backend/cpu/math.h against the C library in double precision.
//
//   g++ -std=gnu++17 -O3 -fno-math-errno -ffp-contract=fast -I. tools/check_fast_math.cpp -o
//   /tmp/check_fast_math /tmp/check_fast_math [stride] [function...]   # stride 97: a few s each, 1: minutes
//
// Every stride-th float32 bit pattern (stride 1: all 2^32) goes through a
// vectorizable loop, and each result is compared with the double result of
// the C library: the error is |y - ref| in ulps of the float at |ref| (the
// spacing of the subnormals below 2^-126). A result that should round to
// +-inf, NaN or a signed zero must match exactly. Each function runs at the
// three ISA levels of cpu::simd (simd.h) that the CPU has (FMA contraction
// changes the roundings), then its speed is timed on 1M floats in
// [-0.9, 0.9] and in a wider range, on one thread. (sin, cos and tan are
// checked for |x| <= 2^24, where the kernels use them.)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mlx/backend/cpu/math.h"

namespace fm = mlx::core::cpu::fast;

// Each kernel is built for the three ISA levels of cpu::simd.
#define KERNEL_ISA(name, expr, isa, suffix)                                                             \
  __attribute__((noinline, target(isa))) void k_##name##suffix(const float* in, float* out, size_t n) { \
    for (size_t i = 0; i < n; ++i) {                                                                    \
      const float x = in[i];                                                                            \
      out[i] = expr;                                                                                    \
    }                                                                                                   \
  }
#define KERNEL(name, expr)                      \
  KERNEL_ISA(name, expr, "arch=x86-64-v4", _v4) \
  KERNEL_ISA(name, expr, "arch=x86-64-v3", _v3) \
  KERNEL_ISA(name, expr, "arch=x86-64", _base)

// The functions checked: every unary row of mlx/primitives/elementwise_table.h
// whose Kernel is Fast(fn, lo, hi) or FastTrig(fn, lo, hi), as
// X(fn, largest |x| swept, lo, hi).
#define CHECK_Fast(fn, lo, hi) X(fn, INFINITY, lo, hi)
#define CHECK_FastTrig(fn, lo, hi) X(fn, 16777216.0f, lo, hi)
#define CHECK_Std(fn)
#define CHECK_Own
#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) CHECK_##kernel
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel) CHECK_##kernel
#define MLX_PREDICATE(Name, op)
#define MLX_BINARY(Name, op, Types, da, db)
#define MLX_BINARY_NO_GRAD(Name, op, Types)
#define MLX_COMPARISON(Name, op)

#define X(name, lim, lo, hi) KERNEL(name, fm::name(x))
#include "mlx/primitives/elementwise_table.h"
#undef X

using Kernel = void (*)(const float*, float*, size_t);
struct Fn {
  const char* name;
  Kernel kernels[3]; // x86-64-v4, v3, baseline
  double (*ref)(double);
  float max_abs; // inputs beyond are not checked (sin, cos, tan: 2^24)
  float lo, hi;  // timing range
};

#define X(name, lim, lo, hi) {#name, {k_##name##_v4, k_##name##_v3, k_##name##_base}, ::name, lim, lo, hi},
static const Fn kFns[] = {
#include "mlx/primitives/elementwise_table.h"
};
#undef X

static double ulp_of(double v) {
  v = std::fabs(v);
  if (v < 0x1p-126) {
    return 0x1p-149;
  }
  int e;
  std::frexp(v, &e); // v = f 2^e, f in [0.5, 1)
  return std::ldexp(1.0, e - 24);
}

// Error of y against the double reference in float ulps; 1e9 for a wrong
// special value (inf, NaN, signed zero).
static double ulp_error(float y, double ref) {
  const float rf = static_cast<float>(ref);
  if (std::isnan(ref) || std::isnan(y)) {
    return std::isnan(ref) && std::isnan(y) ? 0 : 1e9;
  }
  if (std::isinf(rf) || std::isinf(y)) {
    return rf == y ? 0 : 1e9;
  }
  if (rf == 0 && y == 0 && std::signbit(rf) != std::signbit(y)) {
    return 1e9;
  }
  return std::fabs(static_cast<double>(y) - ref) / ulp_of(ref);
}

// Max error over every stride-th bit pattern, and the speed on 1M inputs.
static void check(const Fn& f, Kernel kernel, const char* isa, uint64_t stride) {
  const size_t block = 1 << 16;
  std::vector<float> in(block), out(block);
  double worst = 0;
  float worst_x = 0, worst_y = 0;
  uint64_t checked = 0, over1 = 0, over2 = 0;
  uint64_t u = 0;
  while (u < (1ull << 32)) {
    size_t n = 0;
    for (; n < block && u < (1ull << 32); u += stride) {
      const uint32_t b = static_cast<uint32_t>(u);
      float x;
      std::memcpy(&x, &b, 4);
      if (!(std::fabs(x) > f.max_abs)) {
        in[n++] = x;
      }
    }
    kernel(in.data(), out.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const double err = ulp_error(out[i], f.ref(in[i]));
      over1 += err > 1;
      over2 += err > 2;
      if (err > worst) {
        worst = err;
        worst_x = in[i];
        worst_y = out[i];
      }
    }
    checked += n;
  }
  const size_t m = 1 << 20;
  std::vector<float> a(m), b(m);
  double gel[2];
  const float ranges[2][2] = {{-0.9f, 0.9f}, {f.lo, f.hi}};
  for (int k = 0; k < 2; ++k) {
    for (size_t i = 0; i < m; ++i) {
      a[i] = ranges[k][0] + (ranges[k][1] - ranges[k][0]) * ((i * 2654435761u) % m) / m;
    }
    double best = 1e9;
    for (int rep = 0; rep < 10; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      kernel(a.data(), b.data(), m);
      auto t1 = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
    }
    gel[k] = m / best * 1e-9;
  }
  std::printf(
      "%-5s %-4s %10llu checked, max %.2f ulp at %a (got %a, want %a), "
      ">1 ulp: %llu, >2: %llu | %.2f Gelem/s [-0.9,0.9], %.2f [%g,%g]\n",
      f.name, isa, (unsigned long long)checked, worst, worst_x, worst_y, f.ref(worst_x),
      (unsigned long long)over1, (unsigned long long)over2, gel[0], gel[1], f.lo, f.hi);
}

int main(int argc, char** argv) {
  const uint64_t stride = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 97;
  const char* isas[3] = {"v4", "v3", "base"};
  const bool have[3] = {__builtin_cpu_supports("x86-64-v4") != 0, __builtin_cpu_supports("x86-64-v3") != 0,
                        true};
  for (const Fn& f : kFns) {
    bool want = argc <= 2;
    for (int i = 2; i < argc; ++i) {
      want |= std::strcmp(argv[i], f.name) == 0;
    }
    for (int k = 0; want && k < 3; ++k) {
      if (have[k]) {
        check(f, f.kernels[k], isas[k], stride);
      }
    }
  }
  return 0;
}
