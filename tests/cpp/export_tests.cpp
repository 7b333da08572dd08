// The C++ export API: functions to .mlxfn files and callbacks, imported and
// run without Python.
#include <cstdio>
#include <string>

#include "check.h"
#include "mlx/mlx.h"

using namespace mlx::core;

namespace {

std::string temp_path(const char* name) { return std::string("/tmp/mlx_cpp_export_") + name + ".mlxfn"; }

} // namespace

TEST_CASE("export_function and import_function round trip, with kwargs and metadata") {
  auto path = temp_path("kw");
  auto w = array({1.0f, 2.0f, 3.0f});
  eval({w});
  ExportedFunction fun = [w](const Args& args, const Kwargs& kwargs) {
    return std::vector<array>{args[0] * w + kwargs.at("b"), sum(args[0])};
  };
  auto x = array({1.0f, 1.0f, 1.0f});
  export_function(path, fun, {x}, {{"b", array(2.0f)}}, false, "meta");
  auto f = import_function(path);
  CHECK(f.metadata() == "meta");
  auto outs = f({array({1.0f, 2.0f, 3.0f})}, {{"b", array(1.0f)}});
  CHECK(outs.size() == 2);
  CHECK(array_equal(outs[0], array({2.0f, 5.0f, 10.0f})).item<bool>());
  CHECK(outs[1].item<float>() == 6.0f);
  CHECK_THROWS_AS(f({array({1.0f, 2.0f})}, {{"b", array(1.0f)}}), std::invalid_argument);
  std::remove(path.c_str());
}

TEST_CASE("an exporter writes several traces; shapeless ones run at other shapes") {
  auto path = temp_path("multi");
  {
    std::function<std::vector<array>(const Args&)> fun = [](const Args& a) {
      return std::vector<array>{exp(a[0]) + (a.size() > 1 ? a[1] : array(0.0f))};
    };
    auto ex = exporter(path, fun, true);
    ex({zeros({2})});
    ex({zeros({2}), zeros({2})});
    CHECK_THROWS_AS(ex({zeros({2})}), std::runtime_error);
    ex.close();
    CHECK_THROWS_AS(ex({zeros({3, 3})}), std::runtime_error);
  }
  auto f = import_function(path);
  CHECK(f({zeros({5})})[0].shape() == Shape{5});
  CHECK(sum(f({zeros({4}), ones({4})})[0]).item<float>() == 8.0f);
  std::remove(path.c_str());
}

TEST_CASE("export callbacks see MLX's primitive names and states") {
  std::vector<std::string> names;
  std::vector<std::vector<StateT>> states;
  auto cb = [&](const ExportCallbackInput& in) {
    if (std::get<std::string>(in.at("type")) == "primitive") {
      names.push_back(std::get<std::string>(in.at("name")));
      states.push_back(std::get<std::vector<StateT>>(in.at("arguments")));
    }
  };
  std::function<std::vector<array>(const Args&)> fun = [](const Args& a) {
    return std::vector<array>{astype(log(abs(a[0] - a[1])), int32)};
  };
  export_function(cb, fun, {array(1.0f), array(2.0f)});
  CHECK((names == std::vector<std::string>{"Subtract", "Abs", "Log", "AsType"}));
  CHECK(std::get<int>(states[2][0]) == 2);
  CHECK(std::get<Dtype>(states[3][0]) == int32);
}

TEST_CASE("a malformed file raises") {
  auto path = temp_path("bad");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs(
      "\x06\x00\x00\x00\x00\x00\x00\x00"
      "0.32",
      f);
  std::fclose(f);
  CHECK_THROWS_AS(import_function(path), std::runtime_error);
  CHECK_THROWS_AS(import_function(temp_path("missing")), std::runtime_error);
  std::remove(path.c_str());
}
