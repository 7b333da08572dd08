// Dtype queries, depends, per-thread streams and device_info.
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/ops_more.h"
#include "mlx/primitives/depends.h"

namespace mlx::core {

using detail::fail;

// ------------------------------------------------------------- dtype queries

bool can_cast(Dtype from, Dtype to) {
  // Safe exactly when promotion would pick `to` anyway.
  return promote_types(from, to) == to;
}

Dtype result_type(const std::vector<Dtype>& dtypes) {
  if (dtypes.empty()) {
    fail("result_type", "At least one array or dtype is required.");
  }
  Dtype t = dtypes[0];
  for (auto d : dtypes) {
    t = promote_types(t, d);
  }
  return t;
}

bool isdtype(Dtype dtype, const std::string& kind) {
  if (kind == "bool") {
    return dtype == bool_;
  }
  if (kind == "signed integer") {
    return is_integral(dtype) && dtype != bool_ && !is_unsigned(dtype);
  }
  if (kind == "unsigned integer") {
    return is_unsigned(dtype);
  }
  if (kind == "integral") {
    return is_integral(dtype) && dtype != bool_;
  }
  if (kind == "real floating") {
    return is_floating_point(dtype);
  }
  if (kind == "complex floating") {
    return is_complex(dtype);
  }
  if (kind == "numeric") {
    return dtype != bool_;
  }
  fail("isdtype", "Unknown data type kind: '", kind, "'.");
}

// ------------------------------------------------------------------ depends

std::vector<array> depends(const std::vector<array>& inputs, const std::vector<array>& dependencies) {
  if (inputs.empty() || dependencies.empty()) {
    return inputs;
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& x : inputs) {
    shapes.push_back(x.shape());
    dtypes.push_back(x.dtype());
  }
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  auto p = std::make_shared<Depends>(to_stream({}), static_cast<int>(inputs.size()));
  return array::make_arrays(std::move(shapes), dtypes, p, all);
}

void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (int i = 0; i < n_; ++i) {
    outputs[i].copy_shared_buffer(inputs[i]);
  }
}

std::vector<array> Depends::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i = 0; i < n_; ++i) {
    auto it = std::find(argnums.begin(), argnums.end(), i);
    out.push_back(it == argnums.end() ? zeros_like(primals[i], stream())
                                      : tangents[it - argnums.begin()]);
  }
  return out;
}

std::vector<array> Depends::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  // The passed-through inputs get the cotangents; dependencies get nothing.
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i < n_ ? cotangents[i] : zeros_like(primals[i], stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Depends::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  std::vector<array> ins(inputs.begin(), inputs.begin() + n_);
  std::vector<array> deps(inputs.begin() + n_, inputs.end());
  return {depends(ins, deps), std::vector<int>(axes.begin(), axes.begin() + n_)};
}

// ------------------------------------------------------------------ streams

namespace {
std::atomic<int> next_local_index{0};
// This thread's stream for each ThreadLocalStream index.
thread_local std::unordered_map<int, Stream> local_streams;
} // namespace

ThreadLocalStream new_thread_local_stream(Device d) {
  return {next_local_index++, d};
}

Stream resolve(const ThreadLocalStream& s) {
  auto it = local_streams.find(s.index);
  if (it == local_streams.end()) {
    it = local_streams.emplace(s.index, new_stream(s.device)).first;
  }
  return it->second;
}

Stream new_thread_unsafe_stream(Device d) {
  if (d.type == Device::gpu && !is_available(d)) {
    fail("new_thread_unsafe_stream", "Cannot make gpu stream without gpu backend.");
  }
  return new_stream(d);
}

void clear_streams() {
  synchronize();
  local_streams.clear();
}

std::map<std::string, std::variant<std::string, size_t>> device_info(const Device& d) {
  std::map<std::string, std::variant<std::string, size_t>> info;
  if (d.type == Device::gpu) {
    return info; // No GPU backend: nothing to report, as MLX's CPU build.
  }
  utsname u{};
  if (uname(&u) == 0) {
    info["architecture"] = std::string(u.machine);
  }
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      auto name = line.substr(pos + 1);
      name.erase(0, name.find_first_not_of(" \t"));
      info["device_name"] = name;
      break;
    }
  }
  return info;
}

} // namespace mlx::core
