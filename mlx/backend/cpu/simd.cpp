// The instruction set the CPU kernels use (simd.h): detected once, lowered
// by MLX_CPU_ISA.
#include "mlx/backend/cpu/simd.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mlx::core::cpu {

namespace {

Isa detect() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  // x86-64-v4 and v3 as the compiler's target attributes define them.
  bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
            __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vl");
  return v4 ? Isa::avx512 : v3 ? Isa::avx2 : Isa::scalar;
#else
  return Isa::scalar;
#endif
}

Isa choose() {
  Isa best = cpu_best_isa();
  const char* asked = std::getenv("MLX_CPU_ISA");
  if (asked == nullptr || *asked == '\0') {
    return best;
  }
  for (Isa level : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (std::strcmp(asked, isa_name(level)) == 0) {
      if (level > best) {
        std::fprintf(stderr, "[mlx] MLX_CPU_ISA=%s: this CPU cannot run it; using %s.\n", asked,
                     isa_name(best));
        return best;
      }
      return level;
    }
  }
  std::fprintf(stderr, "[mlx] MLX_CPU_ISA=%s is not one of scalar, avx2, avx512; using %s.\n", asked,
               isa_name(best));
  return best;
}

} // namespace

Isa cpu_best_isa() {
  static const Isa best = detect();
  return best;
}

Isa isa() {
  static const Isa chosen = choose();
  return chosen;
}

bool cpu_is_amd() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init(); // (may run before libgcc's own initialization)
  return __builtin_cpu_is("amd");
#else
  return false;
#endif
}

bool cpu_has_avx512_vnni() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    default:
      return "scalar";
  }
}

} // namespace mlx::core::cpu
