// Transformation rules of stop_gradient, depends and custom functions.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"
#include "mlx/transforms.h"

namespace mlx::core {

using namespace detail;

// ---- StopGradient
std::vector<array> StopGradient::jvp(const std::vector<array>& p, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros_like(p[0], stream())};
}
std::vector<array> StopGradient::vjp(const std::vector<array>& p, const std::vector<array>&,
                                     const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(p[0], stream())};
}
Rules StopGradient::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  return {{stop_gradient(in[0], stream())}, {axes[0]}};
}

// ---- Depends
std::vector<array> Depends::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i = 0; i < n_; ++i) {
    auto it = std::find(argnums.begin(), argnums.end(), i);
    out.push_back(it == argnums.end() ? zeros_like(primals[i], stream()) : tangents[it - argnums.begin()]);
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

// ---- CustomTransforms
std::vector<array> CustomTransforms::vjp(const std::vector<array>& p, const std::vector<array>& cots,
                                         const std::vector<int>& argnums, const std::vector<array>& outputs) {
  size_t n_in = p.size() - num_outputs_;
  std::vector<array> primals(p.begin(), p.begin() + n_in);
  // The rule sees every output (this node's, as MLX's rules do) and a
  // cotangent for each (zeros for outputs nobody holds).
  auto grads = vjp_(primals, cots, outputs);
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(size_t(i) < n_in ? grads.at(i) : zeros_like(p[i], stream()));
  }
  return out;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& p, const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  size_t n_in = p.size() - num_outputs_;
  std::vector<array> primals(p.begin(), p.begin() + n_in);
  std::vector<array> tans;
  std::vector<int> nums;
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (size_t(argnums[k]) < n_in) {
      tans.push_back(tangents[k]);
      nums.push_back(argnums[k]);
    }
  }
  return jvp_(primals, tans, nums);
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(const std::vector<array>& inputs,
                                                                       const std::vector<int>& axes) {
  size_t n_in = inputs.size() - num_outputs_;
  return vmap_(std::vector<array>(inputs.begin(), inputs.begin() + n_in),
               std::vector<int>(axes.begin(), axes.begin() + n_in));
}

} // namespace mlx::core
