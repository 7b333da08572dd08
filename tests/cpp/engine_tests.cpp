// The C++ API: lazy graphs, eval, dtypes, errors.
#include <cmath>
#include <sstream>

#include "check.h"
#include "mlx/mlx.h"

using namespace mlx::core;

TEST_CASE("eval computes and detaches the graph") {
  auto a = array({1.0f, 2.0f, 3.0f});
  auto b = exp(a) + 1.0f;
  CHECK(b.has_primitive());
  CHECK(!b.is_available());
  eval({b});
  CHECK(b.is_available());
  CHECK(!b.has_primitive());
  CHECK(b.inputs().empty());
  CHECK(std::abs(b.data<float>()[1] - (std::exp(2.0f) + 1.0f)) < 1e-5f);
}

TEST_CASE("a million-op chain evaluates") {
  auto x = array(0.0f);
  for (int i = 0; i < 1000000; ++i) {
    x = x + 1.0f;
  }
  CHECK(x.item<float>() == 1000000.0f);
}

TEST_CASE("views share buffers") {
  auto a = reshape(arange(12, float32), {3, 4});
  auto t = transpose(a);
  eval({a, t});
  CHECK(t.data<float>() == a.data<float>());
  CHECK(t.strides()[0] == 1);
  CHECK(!t.flags().row_contiguous);
  CHECK(t.flags().col_contiguous);
}

TEST_CASE("type promotion") {
  CHECK(promote_types(uint8, int8) == int16);
  CHECK(promote_types(uint64, int64) == float32);
  CHECK(promote_types(float16, bfloat16) == float32);
  CHECK(promote_types(int64, float16) == float16);
  CHECK(promote_types(complex64, float64) == complex64);
  CHECK((array(1, int8) + array(1.0f, float16)).dtype() == float16);
}

TEST_CASE("errors name the op") {
  CHECK_THROWS_AS(reshape(arange(6), {4}), std::invalid_argument);
  CHECK_THROWS_AS(sum(arange(6), 3), std::out_of_range);
  CHECK_THROWS_AS(matmul(ones({2, 3}), ones({2, 3})), std::invalid_argument);
  try {
    reshape(arange(6), {4});
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).rfind("[reshape]", 0) == 0);
  }
}

TEST_CASE("reductions and matmul") {
  auto a = reshape(arange(6, float32), {2, 3});
  CHECK(sum(a).item<float>() == 15.0f);
  CHECK(max(a, 1).shape() == Shape{2});
  auto m = matmul(a, transpose(a));
  eval({m});
  CHECK(m.data<float>()[0] == 5.0f);
  CHECK(m.data<float>()[3] == 50.0f);
}

TEST_CASE("printing") {
  std::ostringstream os;
  os << array({1, 2, 3});
  CHECK(os.str() == "array([1, 2, 3], dtype=int32)");
}
