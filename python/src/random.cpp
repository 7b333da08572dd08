// mlx.core.random: keys, the global seed and the distributions.
#include "py_args.h"

#include "mlx/random.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

std::optional<array> opt_key(const std::optional<array>& key) { return key; }

Shape shape_of(py::handle shape, const char* op) { return get_shape(shape, op); }

Dtype dtype_or(const std::optional<Dtype>& t, Dtype def) { return t ? *t : def; }

} // namespace

void init_random(py::module_& parent) {
  auto m = parent.def_submodule("random", "Random number generation (Threefry-2x32 keys, as MLX).");
  using namespace mlx::core;

  m.def(
      "key", [](uint64_t seed) { return random::key(seed); }, py::arg("seed"),
      "A PRNG key (uint32 array of shape (2,)) from a seed.");
  m.def("seed", [](uint64_t seed) { random::seed(seed); }, py::arg("seed"), "Seeds the global PRNG.");
  // The global key, as MLX keeps it: a list holding one key, which
  // mx.compile(..., inputs=[mx.random.state], outputs=[mx.random.state])
  // can thread through a compiled function.
  py::list state;
  m.attr("state") = state;
  auto holder = std::make_shared<py::object>(state);
  random::set_key_storage(
      [holder]() {
        py::gil_scoped_acquire gil;
        return py::cast<array>(py::reinterpret_borrow<py::list>(*holder)[0]);
      },
      [holder](array k) {
        py::gil_scoped_acquire gil;
        auto l = py::reinterpret_borrow<py::list>(*holder);
        if (l.empty()) {
          l.append(py::cast(k));
        } else {
          l[0] = py::cast(k);
        }
      });
  // The list lives until the interpreter exits: hand the key back before.
  py::module_::import("atexit").attr("register")(py::cpp_function([]() { random::set_key_storage({}, {}); }));
  m.def(
      "split", [](const array& key, int num, py::object s) { return random::split(key, num, sd(s)); },
      py::arg("key"), py::arg("num") = 2, py::arg("stream") = py::none(),
      "Splits a PRNG key into `num` keys (an array of shape (num, 2)).");
  m.def(
      "uniform",
      [](py::object low, py::object high, py::object shape, std::optional<Dtype> dtype,
         std::optional<array> key, py::object s) {
        return random::uniform(to_array(low), to_array(high), shape_of(shape, "uniform"),
                               dtype_or(dtype, float32), key, sd(s));
      },
      py::arg("low") = 0, py::arg("high") = 1, py::arg("shape") = py::list(), py::arg("dtype") = float32,
      py::arg("key") = py::none(), py::arg("stream") = py::none(),
      "Uniformly distributed values in [low, high).");
  m.def(
      "normal",
      [](py::object shape, std::optional<Dtype> dtype, py::object loc, py::object scale,
         std::optional<array> key, py::object s) {
        std::optional<array> l, sc;
        if (!loc.is_none()) {
          l = to_array(loc);
        }
        if (!scale.is_none()) {
          sc = to_array(scale);
        }
        return random::normal(shape_of(shape, "normal"), dtype_or(dtype, float32), l, sc, key, sd(s));
      },
      py::arg("shape") = py::list(), py::arg("dtype") = float32, py::arg("loc") = py::none(),
      py::arg("scale") = py::none(), py::arg("key") = py::none(), py::arg("stream") = py::none(),
      "Normally distributed values with mean `loc` and standard deviation `scale`.");
  m.def(
      "multivariate_normal",
      [](const array& mean, const array& cov, py::object shape, std::optional<Dtype> dtype,
         std::optional<array> key, py::object s) {
        return random::multivariate_normal(mean, cov, shape_of(shape, "multivariate_normal"),
                                           dtype_or(dtype, float32), key, sd(s));
      },
      py::arg("mean"), py::arg("cov"), py::arg("shape") = py::list(), py::arg("dtype") = float32,
      py::arg("key") = py::none(), py::arg("stream") = py::none(),
      "Samples from a multivariate normal distribution.");
  m.def(
      "randint",
      [](py::object low, py::object high, py::object shape, std::optional<Dtype> dtype,
         std::optional<array> key, py::object s) {
        return random::randint(to_array(low), to_array(high), shape_of(shape, "randint"),
                               dtype_or(dtype, int32), key, sd(s));
      },
      py::arg("low"), py::arg("high"), py::arg("shape") = py::list(), py::arg("dtype") = int32,
      py::arg("key") = py::none(), py::arg("stream") = py::none(), "Random integers in [low, high).");
  m.def(
      "bernoulli",
      [](py::object p, py::object shape, std::optional<array> key, py::object s) {
        auto pa = to_array(p);
        if (shape.is_none()) {
          return random::bernoulli(pa, key, sd(s));
        }
        return random::bernoulli(pa, shape_of(shape, "bernoulli"), key, sd(s));
      },
      py::arg("p") = 0.5, py::arg("shape") = py::none(), py::arg("key") = py::none(),
      py::arg("stream") = py::none(), "Bernoulli samples (bool) with probability p.");
  m.def(
      "truncated_normal",
      [](py::object lower, py::object upper, py::object shape, std::optional<Dtype> dtype,
         std::optional<array> key, py::object s) {
        auto lo = to_array(lower), hi = to_array(upper);
        auto t = dtype_or(dtype, float32);
        if (shape.is_none()) {
          return random::truncated_normal(lo, hi, t, key, sd(s));
        }
        return random::truncated_normal(lo, hi, shape_of(shape, "truncated_normal"), t, key, sd(s));
      },
      py::arg("lower"), py::arg("upper"), py::arg("shape") = py::none(), py::arg("dtype") = float32,
      py::arg("key") = py::none(), py::arg("stream") = py::none(),
      "Normal samples truncated to [lower, upper].");
  m.def(
      "gumbel",
      [](py::object shape, std::optional<Dtype> dtype, std::optional<array> key, py::object s) {
        return random::gumbel(shape_of(shape, "gumbel"), dtype_or(dtype, float32), key, sd(s));
      },
      py::arg("shape") = py::list(), py::arg("dtype") = float32, py::arg("key") = py::none(),
      py::arg("stream") = py::none(), "Samples from the standard Gumbel distribution.");
  m.def(
      "laplace",
      [](py::object shape, std::optional<Dtype> dtype, float loc, float scale, std::optional<array> key,
         py::object s) {
        return random::laplace(shape_of(shape, "laplace"), dtype_or(dtype, float32), loc, scale, key, sd(s));
      },
      py::arg("shape") = py::list(), py::arg("dtype") = float32, py::arg("loc") = 0.0, py::arg("scale") = 1.0,
      py::arg("key") = py::none(), py::arg("stream") = py::none(), "Samples from a Laplace distribution.");
  m.def(
      "categorical",
      [](const array& logits, int axis, py::object shape, std::optional<int> num_samples,
         std::optional<array> key, py::object s) {
        if (!shape.is_none() && num_samples) {
          throw std::invalid_argument("[categorical] At most one of shape or num_samples can be specified.");
        }
        if (!shape.is_none()) {
          return random::categorical(logits, axis, shape_of(shape, "categorical"), key, sd(s));
        }
        if (num_samples) {
          return random::categorical(logits, axis, *num_samples, key, sd(s));
        }
        return random::categorical(logits, axis, key, sd(s));
      },
      py::arg("logits"), py::arg("axis") = -1, py::arg("shape") = py::none(),
      py::arg("num_samples") = py::none(), py::arg("key") = py::none(), py::arg("stream") = py::none(),
      "Samples (uint32 indices) from a categorical distribution given its logits.");
  m.def(
      "permutation",
      [](py::object x, int axis, std::optional<array> key, py::object s) {
        if (py::isinstance<py::int_>(x)) {
          return random::permutation(x.cast<int>(), key, sd(s));
        }
        return random::permutation(to_array(x), axis, key, sd(s));
      },
      py::arg("x"), py::arg("axis") = 0, py::arg("key") = py::none(), py::arg("stream") = py::none(),
      "A random permutation of arange(x), or of x along an axis.");
}
