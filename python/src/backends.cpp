// mlx.core.metal and mlx.core.cuda as MLX's CPU build has them: neither
// backend is available, and metal's memory functions are deprecated
// aliases of mlx.core's (the same functions, after a DeprecationWarning).
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace {

void warn_deprecated(const std::string& name) {
  std::string msg = "mx.metal." + name + " is deprecated and will be removed in a future version. Use mx." +
                    name + " instead.";
  if (PyErr_WarnEx(PyExc_DeprecationWarning, msg.c_str(), 2) < 0) {
    throw py::error_already_set();
  }
}

} // namespace

void init_backends(py::module_& parent) {
  auto metal = parent.def_submodule("metal", "The Metal backend (not available in this build).");
  metal.def("is_available", [] { return false; }, "Whether the Metal backend is available (never here).");
  for (const char* name :
       {"clear_cache", "get_active_memory", "get_cache_memory", "get_peak_memory", "reset_peak_memory"}) {
    metal.def(
        name,
        [parent, name]() {
          warn_deprecated(name);
          return parent.attr(name)();
        },
        "Deprecated: the function of the same name in mlx.core.");
  }
  for (const char* name : {"set_cache_limit", "set_memory_limit", "set_wired_limit"}) {
    metal.def(
        name,
        [parent, name](py::object limit) {
          warn_deprecated(name);
          return parent.attr(name)(limit);
        },
        py::arg("limit"), "Deprecated: the function of the same name in mlx.core.");
  }
  metal.def(
      "device_info",
      [] {
        warn_deprecated("device_info");
        return py::dict();
      },
      "Deprecated; the Metal device's properties: none in this build.");
  metal.def("start_capture", [](const std::string&) {}, py::arg("path"), "GPU capture: nothing to do here.");
  metal.def("stop_capture", [] {}, "GPU capture: nothing to do here.");
  auto cuda = parent.def_submodule("cuda", "The CUDA backend (not available in this build).");
  cuda.def("is_available", [] { return false; }, "Whether the CUDA backend is available (never here).");
}
