// compile: trace a function once per input signature and replay the
// recorded graph on later calls, without running the function again.
#pragma once

#include <memory>

#include "mlx/fusion.h"
#include "mlx/transforms.h"

namespace mlx::core {

// `fun` traced once per distinct input shapes and dtypes; later calls
// rebuild the recorded graph on the new inputs. Arrays the function
// captures are constants of the graph; ops whose output shape depends on
// values cannot be compiled. With `shapeless`, calls with other shapes (same
// dtypes and numbers of dimensions) replay the same graph, its shapes
// inferred node by node.
Function compile(Function fun, bool shapeless = false);

// Globally turn compilation off (compiled functions then just call `fun`)
// or back on.
void disable_compile();
void enable_compile();
bool compile_enabled();

namespace detail {

// A traced graph: the nodes that depend on the inputs, in order, and the
// outputs, each a traced node, an input or a constant.
struct CompiledGraph {
  std::vector<std::uintptr_t> input_ids;
  std::vector<array> tape;
  std::vector<array> outputs;
  std::vector<array> keep_alive; // the traced inputs the ids belong to
  std::vector<FusedGroup> groups;
  std::vector<int> group_of; // per tape node: its group, or -1
};

// Finds the groups of elementwise nodes of graph.tape to fuse.
void fuse_elementwise(CompiledGraph& graph);

// Traces fun on stand-ins of `inputs` (same shapes and dtypes). A
// `shapeless` trace records how shapes follow from the inputs' (see
// in_shapeless_trace), so that it can be replayed on other shapes.
std::shared_ptr<CompiledGraph> compile_trace(const Function& fun, const std::vector<array>& inputs,
                                             bool shapeless = false);

// The graph's outputs for new inputs of the traced dtypes and numbers of
// dimensions. Inputs of other shapes than the traced ones (shapeless
// compile) get each node's shape from its primitive's output_shapes, which
// raises where a primitive cannot infer it.
std::vector<array> compile_replay(const CompiledGraph& graph, const std::vector<array>& inputs);

// Whether this thread is tracing a function for shapeless compile.
bool in_shapeless_trace();

// The nodes between inputs and outputs that depend on an input, in order.
std::vector<array> dependent_tape(const std::vector<array>& inputs, const std::vector<array>& outputs);

} // namespace detail

} // namespace mlx::core
