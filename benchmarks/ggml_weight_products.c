// One token's weight products of a GGUF model with ggml's CPU kernels (the
// ones llama.cpp runs): every 2-D quantized tensor times a float32 vector
// (the tied embedding once, as the output head), in one graph. Prints JSON;
// benchmarks/weight_products_gguf.py does the same here and compares.
//
// Build against the ggml that llama-cpp-python's sdist vendors (its build
// dir holds libggml*.so; GGML_NATIVE=OFF with the CPU's flags):
//   gcc -O2 benchmarks/ggml_weight_products.c -I<llama.cpp>/ggml/include \
//       -L<libdir> -lggml -lggml-base -lggml-cpu -Wl,-rpath,<libdir> -o ggml_bench
//   ./ggml_bench model.gguf [threads=2] [reps=50]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ggml.h"
#include "ggml-cpu.h"
#include "gguf.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char** argv) {
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  int reps = argc > 3 ? atoi(argv[3]) : 50;
  struct ggml_context* wctx = NULL;
  struct gguf_init_params p = {false, &wctx};
  struct gguf_context* g = gguf_init_from_file(argv[1], p);
  if (!g) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
  struct ggml_init_params ip = {256 * 1024 * 1024, NULL, false};
  struct ggml_context* ctx = ggml_init(ip);
  struct ggml_cgraph* gf = ggml_new_graph_custom(ctx, 4096, false);
  int n = 0; double bytes = 0;
  for (struct ggml_tensor* t = ggml_get_first_tensor(wctx); t; t = ggml_get_next_tensor(wctx, t)) {
    if (ggml_n_dims(t) != 2 || !ggml_is_quantized(t->type)) continue;
    struct ggml_tensor* x = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, t->ne[0]);
    float* xd = (float*)x->data;
    for (int i = 0; i < t->ne[0]; ++i) xd[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    ggml_build_forward_expand(gf, ggml_mul_mat(ctx, t, x));
    n++; bytes += ggml_nbytes(t);
  }
  ggml_graph_compute_with_ctx(ctx, gf, threads);
  double best = 1e9, total = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    ggml_graph_compute_with_ctx(ctx, gf, threads);
    double dt = now() - t0; total += dt; if (dt < best) best = dt;
  }
  printf("{\"products\": %d, \"bytes\": %.0f, \"best_s\": %.6f, \"mean_s\": %.6f}\n", n, bytes, best, total / reps);
  return 0;
}
