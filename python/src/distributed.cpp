// mlx.core.distributed for one process: MLX's singleton group. init()
// gives a group of size 1 (strict=True fails: no backend can be set up
// here), the collectives return their input, and point-to-point calls
// fail as MLX's do on a singleton group.
#include "py_args.h"

#include "mlx/ops.h"

namespace {

using namespace mlx::core;

struct Group {
  int rank() const { return 0; }
  int size() const { return 1; }
};

void check_backend(const std::string& backend) {
  for (const char* ok : {"any", "mpi", "nccl", "jaccl", "ring"}) {
    if (backend == ok) {
      return;
    }
  }
  throw std::invalid_argument(
      "[distributed] The only valid values for backend are 'any', 'mpi', 'nccl', 'jaccl' and 'ring' but '" +
      backend + "' was provided.");
}

} // namespace

void init_distributed(py::module_& parent) {
  auto m = parent.def_submodule("distributed", "Communication between processes (a single process here).");
  py::class_<Group>(m, "Group", "A group of independent mlx processes that can communicate.")
      .def("rank", &Group::rank, "This process's rank in the group.")
      .def("size", &Group::size, "The number of processes in the group.")
      .def(
          "split",
          [](const Group&, int, int) -> Group {
            throw std::runtime_error("Cannot split the distributed group further.");
          },
          py::arg("color"), py::arg("key") = -1, "Split the group (a singleton group cannot be split).");
  m.def(
      "is_available",
      [](const std::string& backend) {
        check_backend(backend);
        return true;
      },
      py::arg("backend") = "any", "Whether a communication backend is available.");
  m.def(
      "init",
      [](bool strict, const std::string& backend, py::object) {
        check_backend(backend);
        if (strict) {
          throw std::runtime_error("[distributed] Couldn't initialize any backend");
        }
        return Group{};
      },
      py::arg("strict") = false, py::arg("backend") = "any", py::kw_only(),
      py::arg("all_gather_factory") = py::none(),
      "The global group: a singleton group unless a backend is configured (none can be here).");
  // On one process every collective returns its input.
  for (const char* name : {"all_sum", "all_max", "all_min", "all_gather", "sum_scatter"}) {
    m.def(
        name, [](const array& x, py::object, py::object) { return x; }, py::arg("x"), py::kw_only(),
        py::arg("group") = py::none(), py::arg("stream") = py::none(),
        "A collective over the group (the input itself on a singleton group).");
  }
  m.def(
      "send",
      [](const array&, int, py::object, py::object) -> array {
        throw std::invalid_argument("Cannot send to a singleton group");
      },
      py::arg("x"), py::arg("dst"), py::kw_only(), py::arg("group") = py::none(),
      py::arg("stream") = py::none(), "Send x to another process.");
  m.def(
      "recv",
      [](py::object, py::object, int, py::object, py::object) -> array {
        throw std::invalid_argument("Cannot recv from a singleton group");
      },
      py::arg("shape"), py::arg("dtype"), py::arg("src"), py::kw_only(), py::arg("group") = py::none(),
      py::arg("stream") = py::none(), "Receive an array from another process.");
  m.def(
      "recv_like",
      [](const array&, int, py::object, py::object) -> array {
        throw std::invalid_argument("Cannot recv from a singleton group");
      },
      py::arg("x"), py::arg("src"), py::kw_only(), py::arg("group") = py::none(),
      py::arg("stream") = py::none(), "Receive an array shaped like x from another process.");
}
