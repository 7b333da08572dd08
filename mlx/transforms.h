// Evaluation of lazy graphs.
#pragma once

#include <vector>

#include "mlx/array.h"

namespace mlx::core {

// Computes the arrays and everything they depend on, then detaches the
// evaluated graph so its intermediate buffers are freed.
void eval(std::vector<array> outputs);

// Starts evaluating the arrays on their stream's worker thread and returns
// at once. `eval` (or anything that reads the values) waits for it.
void async_eval(std::vector<array> outputs);

} // namespace mlx::core

#include <functional>
#include <optional>

namespace mlx::core {

using Function = std::function<std::vector<array>(const std::vector<array>&)>;

// Reverse mode: the outputs of fun(primals) and the cotangents of the
// primals given the cotangents of the outputs.
std::pair<std::vector<array>, std::vector<array>> vjp(const Function& fun, const std::vector<array>& primals,
                                                      const std::vector<array>& cotangents);

// Forward mode: the outputs of fun(primals) and their tangents given the
// tangents of the primals.
std::pair<std::vector<array>, std::vector<array>> jvp(const Function& fun, const std::vector<array>& primals,
                                                      const std::vector<array>& tangents);

// fun's first output (a scalar) and its gradient with respect to the
// arguments in argnums.
using ValueAndGradFn =
    std::function<std::pair<std::vector<array>, std::vector<array>>(const std::vector<array>&)>;
ValueAndGradFn value_and_grad(const Function& fun, const std::vector<int>& argnums = {0});
std::function<std::vector<array>(const std::vector<array>&)> grad(const Function& fun,
                                                                  const std::vector<int>& argnums = {0});

// Vectorizes fun over the in_axes of its inputs (-1: not mapped); the
// outputs carry the mapped axis at out_axes (-1 only for unmapped outputs).
Function vmap(const Function& fun, const std::vector<int>& in_axes = {},
              const std::vector<int>& out_axes = {});

} // namespace mlx::core

namespace mlx::core {

// Custom transformation rules for a function (see custom_function).
// vjp(primals, cotangents, outputs) -> cotangents of the primals.
using CustomVJP = std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&,
                                                   const std::vector<array>&)>;
// jvp(primals, tangents, argnums) -> tangents of the outputs; `tangents`
// holds one entry per primal in argnums.
using CustomJVP = std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&,
                                                   const std::vector<int>&)>;
// vmap(inputs, axes) -> (outputs, output axes).
using CustomVmap = std::function<std::pair<std::vector<array>, std::vector<int>>(const std::vector<array>&,
                                                                                 const std::vector<int>&)>;

// `fun` with the given rules replacing the ones derived from its graph.
// Missing rules fall back to transforming `fun` itself.
Function custom_function(Function fun, std::optional<CustomVJP> fun_vjp = std::nullopt,
                         std::optional<CustomJVP> fun_jvp = std::nullopt,
                         std::optional<CustomVmap> fun_vmap = std::nullopt);

// `fun` whose intermediate values are not kept for the backward pass: the
// vjp recomputes them, trading compute for memory.
Function checkpoint(Function fun);

} // namespace mlx::core
