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
