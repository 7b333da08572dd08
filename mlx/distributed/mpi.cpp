// The mpi backend: not built yet (Open MPI would be loaded at run time).
#include <stdexcept>

#include "mlx/distributed/group.h"

namespace mlx::core::distributed::detail {

bool mpi_is_available() { return false; }

std::shared_ptr<GroupImpl> mpi_init(bool strict) {
  if (strict) {
    throw std::runtime_error("Cannot initialize MPI");
  }
  return nullptr;
}

} // namespace mlx::core::distributed::detail
