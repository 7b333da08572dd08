// MLX's memory functions.
#include <pybind11/pybind11.h>

#include "convert.h"

void init_memory(py::module_& m) {
  m.def("get_active_memory", &get_active_memory, "Bytes held by live arrays (excluding the cache).");
  m.def("get_peak_memory", &get_peak_memory, "The largest active memory seen.");
  m.def("reset_peak_memory", &reset_peak_memory, "Reset the peak memory to zero.");
  m.def("get_cache_memory", &get_cache_memory, "Bytes held in the buffer cache.");
  m.def("get_memory_limit", &get_memory_limit, "The memory limit in bytes.");
  m.def("set_memory_limit", &set_memory_limit, py::arg("limit"),
        "Set the memory limit; returns the previous one.");
  m.def("set_cache_limit", &set_cache_limit, py::arg("limit"),
        "Set the cache limit; returns the previous one.");
  m.def("set_wired_limit", &set_wired_limit, py::arg("limit"), "Has no effect on this backend; returns 0.");
  m.def("clear_cache", &clear_cache, "Free the buffers held in the cache.");
  m.def("get_array_buffer_size", [](const array& a) { return a.nbytes(); }, py::arg("a"));
}
