// The C++ API of ops_more.h: softmax, fused products, windows, dtype
// queries, einsum_path, depends and streams.
#include <cmath>

#include "check.h"
#include "mlx/mlx.h"

using namespace mlx::core;

TEST_CASE("softmax rows sum to one and keep their order") {
  auto x = reshape(arange(6, float32), {2, 3});
  auto y = softmax(x, -1);
  auto s = sum(y, -1);
  eval({y, s});
  CHECK(y.dtype() == float32);
  CHECK(std::abs(s.data<float>()[0] - 1.0f) < 1e-6f);
  CHECK(y.data<float>()[0] < y.data<float>()[1]);
  // Integers over the last axis become float32; over other axes they stay.
  CHECK(softmax(astype(x, int32), -1).dtype() == float32);
  CHECK(softmax(astype(x, int32), 0).dtype() == int32);
  CHECK_THROWS_AS(softmax(array(1.0f), 0), std::invalid_argument);
  CHECK_THROWS_AS(softmax(x, 2), std::out_of_range);
}

TEST_CASE("softmax gradient sums to zero") {
  auto x = array({1.0f, 2.0f, 3.0f});
  auto f = [](const std::vector<array>& in) {
    return std::vector<array>{sum(softmax(in[0], -1) * array({1.0f, 0.0f, 0.0f}))};
  };
  auto g = grad(f)({x})[0];
  auto total = sum(g);
  eval(std::vector<array>{total});
  CHECK(std::abs(total.item<float>()) < 1e-6f);
}

TEST_CASE("addmm, vecdot and count_nonzero") {
  auto a = reshape(arange(4, float32), {2, 2});
  auto out = addmm(ones({2, 2}), a, a, 2.0f, 0.5f);
  eval({out});
  // 2 * [[2, 3], [6, 11]] + 0.5
  CHECK(out.data<float>()[3] == 22.5f);
  CHECK(vecdot(a, a).shape() == Shape{2});
  CHECK(count_nonzero(a).item<int>() == 3);
  auto [lo, hi] = minmax(a);
  CHECK(lo.item<float>() == 0.0f && hi.item<float>() == 3.0f);
  CHECK_THROWS_AS(addmm(ones({3}), a, a), std::invalid_argument);
}

TEST_CASE("windows and hadamard") {
  CHECK(hanning(5).shape() == Shape{5});
  CHECK(bartlett(0).shape() == Shape{0});
  auto h = hadamard_transform(ones({4}), 1.0f);
  eval({h});
  CHECK(h.data<float>()[0] == 4.0f && h.data<float>()[1] == 0.0f);
  CHECK_THROWS_AS(hadamard_transform(ones({3})), std::invalid_argument);
}

TEST_CASE("dtype queries and einsum_path") {
  CHECK(can_cast(int8, int32) && !can_cast(float32, int32));
  CHECK(result_type({int8, uint8}) == int16);
  CHECK(isdtype(float16, "real floating") && !isdtype(bool_, "numeric"));
  auto [path, info] = einsum_path("ij,jk,kl->il", {ones({2, 3}), ones({3, 4}), ones({4, 5})});
  CHECK(path.size() == 2 && path[0] == (std::vector<int>{1, 2}));
  CHECK(info.find("Optimized FLOP count:  180") != std::string::npos);
}

TEST_CASE("depends and thread-local streams") {
  auto a = array({1.0f, 2.0f});
  auto outs = depends({a * 2.0f}, {a * 3.0f});
  CHECK(outs.size() == 1 && outs[0].shape() == Shape{2});
  eval(outs);
  CHECK(outs[0].data<float>()[1] == 4.0f);
  auto tl = new_thread_local_stream(Device::cpu);
  CHECK(resolve(tl) == resolve(tl));
  CHECK(add(a, a, resolve(tl)).shape() == Shape{2});
  clear_streams();
  CHECK(device_info(Device::cpu).count("architecture") == 1);
}
