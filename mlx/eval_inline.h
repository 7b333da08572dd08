// An evaluation for callers that hold a lock of their own (the Python
// bindings hold the GIL): it runs only if nothing else is evaluating.
#pragma once

#include <vector>

#include "mlx/array.h"

namespace mlx::core::detail {

// Evaluates `outputs` as eval does and returns true, or returns false at
// once, having done nothing, when an asynchronous evaluation is in flight
// (or left an error) or another thread is evaluating: waiting for either
// while holding the caller's lock could deadlock if that work needs it.
bool eval_if_uncontended(const std::vector<array>& outputs);

} // namespace mlx::core::detail
