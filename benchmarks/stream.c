/* STREAM-like memory bandwidth: copy (a = b), triad (a = b + s * c), read
 * (sum of a) and read4 (sum of a, each thread reading its part as four
 * streams at once, as the row-blocked matrix-vector kernels do: the
 * prefetchers then keep more lines in flight than one stream gets), on
 * arrays far larger than the caches, split over
 * `threads` POSIX threads (OpenMP-free, so any cc builds it). Prints one
 * JSON line with the best GB/s of each (STREAM's byte counts: copy and
 * triad count the bytes read and written, not write-allocate traffic).
 *
 *   cc -O3 -march=native -pthread benchmarks/stream.c -o stream && ./stream [threads] [MiB per array]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double *A, *B, *C;
static size_t N;
static int T, KIND;
static double SUMS[64];
static pthread_barrier_t BAR;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *work(void *arg) {
  long t = (long)arg;
  size_t lo = N * t / T, hi = N * (t + 1) / T;
  pthread_barrier_wait(&BAR);
  if (KIND == 0) {
    for (size_t i = lo; i < hi; ++i) A[i] = B[i];
  } else if (KIND == 1) {
    for (size_t i = lo; i < hi; ++i) A[i] = B[i] + 3.0 * C[i];
  } else if (KIND == 3) {
    /* four quarters of the part, 2 partial sums each */
    size_t q = (hi - lo) / 4 / 2 * 2;
    const double *p0 = A + lo, *p1 = p0 + q, *p2 = p1 + q, *p3 = p2 + q;
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < q; i += 2) {
      s[0] += p0[i], s[1] += p0[i + 1], s[2] += p1[i], s[3] += p1[i + 1];
      s[4] += p2[i], s[5] += p2[i + 1], s[6] += p3[i], s[7] += p3[i + 1];
    }
    for (size_t i = lo + 4 * q; i < hi; ++i) s[0] += A[i];
    SUMS[t] = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
  } else {
    /* 8 partial sums (one sum would wait on each add's latency) */
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = lo;
    for (; i + 8 <= hi; i += 8)
      for (int j = 0; j < 8; ++j) s[j] += A[i + j];
    for (; i < hi; ++i) s[0] += A[i];
    SUMS[t] = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
  }
  pthread_barrier_wait(&BAR);
  return NULL;
}

int main(int argc, char **argv) {
  T = argc > 1 ? atoi(argv[1]) : 2;
  size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 256;
  if (T < 1 || T > 64) T = 2;
  N = mib * 1024 * 1024 / sizeof(double);
  A = malloc(N * sizeof(double));
  B = malloc(N * sizeof(double));
  C = malloc(N * sizeof(double));
  for (size_t i = 0; i < N; ++i) A[i] = 1.0, B[i] = 2.0, C[i] = 0.5;
  double best[4] = {0, 0, 0, 0};
  const double bytes[4] = {2.0 * N * 8, 3.0 * N * 8, 1.0 * N * 8, 1.0 * N * 8};
  for (int rep = 0; rep < 10; ++rep) {
    for (KIND = 0; KIND < 4; ++KIND) {
      pthread_t th[64];
      pthread_barrier_init(&BAR, NULL, T + 1);
      for (long t = 0; t < T; ++t) pthread_create(&th[t], NULL, work, (void *)t);
      pthread_barrier_wait(&BAR);
      double t0 = now();
      pthread_barrier_wait(&BAR);
      double dt = now() - t0;
      for (int t = 0; t < T; ++t) pthread_join(th[t], NULL);
      pthread_barrier_destroy(&BAR);
      double gbs = bytes[KIND] / dt / 1e9;
      if (gbs > best[KIND]) best[KIND] = gbs;
    }
  }
  double s = 0;
  for (int t = 0; t < T; ++t) s += SUMS[t];
  printf("{\"threads\": %d, \"mib\": %zu, \"copy\": %.2f, \"triad\": %.2f, \"read\": %.2f, \"read4\": %.2f, \"check\": %.0f}\n",
         T, mib, best[0], best[1], best[2], best[3], s);
  return 0;
}
