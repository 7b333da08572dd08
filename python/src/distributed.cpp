// mlx.core.distributed: groups of processes and the collectives over them
// (mlx/distributed.h). Without a configured backend init() gives the
// singleton group, on which the collectives return their input.
#include "py_args.h"

#include "mlx/distributed.h"

namespace {

using namespace mlx::core;
namespace dist = mlx::core::distributed;

using OptGroup = std::optional<dist::Group>;

const char* kCollectiveDocs[][2] = {
    {"all_sum", "Sum ``x`` over the processes of the group (``x`` itself on a singleton group)."},
    {"all_max", "Element-wise maximum of ``x`` over the processes of the group."},
    {"all_min", "Element-wise minimum of ``x`` over the processes of the group."},
    {"all_gather",
     "The ``x`` of every process of the group concatenated along the first axis in rank order (scalars give "
     "shape ``(size,)``)."},
    {"sum_scatter",
     "This process's part of the sum of ``x`` over the group, split in ``size`` along the first axis."},
};

using Collective = array (*)(const array&, OptGroup, StreamOrDevice);

} // namespace

void init_distributed(py::module_& parent) {
  auto m = parent.def_submodule("distributed", "Communication between processes.");
  py::class_<dist::Group>(m, "Group", "A group of independent mlx processes that can communicate.")
      .def("rank", &dist::Group::rank, "This process's rank in the group.")
      .def("size", &dist::Group::size, "The number of processes in the group.")
      .def(
          "split", &dist::Group::split, py::arg("color"), py::arg("key") = -1,
          "Split the group into subgroups of the processes that passed the same ``color``, ranked by ``key`` "
          "(this process's rank when -1). Every process of the group must call it.");
  m.def("is_available", &dist::is_available, py::arg("backend") = "any",
        "Whether a communication backend is available ('any', 'ring', 'mpi', 'nccl' or 'jaccl').");
  m.def(
      "init",
      [](bool strict, const std::string& backend, py::object factory) {
        if (!factory.is_none()) {
          if (backend != "jaccl") {
            throw std::invalid_argument(
                "[distributed] all_gather_factory is only supported by the jaccl backend.");
          }
          if (!PyCallable_Check(factory.ptr())) {
            throw py::type_error("[distributed] all_gather_factory must be callable.");
          }
        }
        return dist::init(strict, backend);
      },
      py::arg("strict") = false, py::arg("backend") = "any", py::kw_only(),
      py::arg("all_gather_factory") = py::none(),
      "Initialize the communication backend and return the global group.\n\n"
      "``backend='any'`` tries ring (MLX_RANK and MLX_HOSTFILE set, as by ``mlx.launch``) then mpi. When "
      "none "
      "is configured the result is the singleton group, or a RuntimeError if ``strict``.");
  Collective fns[] = {&dist::all_sum, &dist::all_max, &dist::all_min, &dist::all_gather, &dist::sum_scatter};
  for (size_t i = 0; i < 5; ++i) {
    Collective f = fns[i];
    m.def(
        kCollectiveDocs[i][0],
        [f](py::object x, OptGroup group, py::object stream) {
          return f(to_array(x), std::move(group), to_stream_or_device(stream));
        },
        py::arg("x"), py::kw_only(), py::arg("group") = py::none(), py::arg("stream") = py::none(),
        kCollectiveDocs[i][1]);
  }
  m.def(
      "send",
      [](py::object x, int dst, OptGroup group, py::object stream) {
        return dist::send(to_array(x), dst, std::move(group), to_stream_or_device(stream));
      },
      py::arg("x"), py::arg("dst"), py::kw_only(), py::arg("group") = py::none(),
      py::arg("stream") = py::none(),
      "Send ``x`` to the process of rank ``dst``; the result is ``x``, and evaluating it sends.");
  m.def(
      "recv",
      [](py::object shape, Dtype dtype, int src, OptGroup group, py::object stream) {
        return dist::recv(get_shape(shape, "recv"), dtype, src, std::move(group),
                          to_stream_or_device(stream));
      },
      py::arg("shape"), py::arg("dtype"), py::arg("src"), py::kw_only(), py::arg("group") = py::none(),
      py::arg("stream") = py::none(),
      "Receive an array of ``shape`` and ``dtype`` from the process of rank ``src``.");
  m.def(
      "recv_like",
      [](py::object x, int src, OptGroup group, py::object stream) {
        return dist::recv_like(to_array(x), src, std::move(group), to_stream_or_device(stream));
      },
      py::arg("x"), py::arg("src"), py::kw_only(), py::arg("group") = py::none(),
      py::arg("stream") = py::none(),
      "Receive an array shaped and typed like ``x`` from the process of rank ``src``.");
}
