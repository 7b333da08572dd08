// mx.linalg (the part needed so far): eigen-decomposition of symmetric
// matrices through LAPACK.
#pragma once

#include <string>
#include <utility>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::linalg {

// Eigenvalues (ascending) and eigenvectors (as columns) of the symmetric
// matrices in the last two dims of `a`, reading its `uplo` ("L" or "U")
// triangle. float32 and float64.
std::pair<array, array> eigh(const array& a, const std::string& uplo = "L", StreamOrDevice s = {});
array eigvalsh(const array& a, const std::string& uplo = "L", StreamOrDevice s = {});

} // namespace mlx::core::linalg
