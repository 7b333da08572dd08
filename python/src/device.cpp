// Device, Stream and the stream context manager.
#include "py_args.h"
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "convert.h"
#include "mlx/backend/cpu/simd.h"

namespace {

// `with mx.stream(s):` sets the default stream and device, then restores them.
struct StreamContext {
  StreamOrDevice target;
  std::optional<Stream> old_stream;
  std::optional<Device> old_device;

  void enter() {
    old_device = default_device();
    old_stream = default_stream(*old_device);
    Stream s = to_stream(target);
    set_default_device(s.device);
    set_default_stream(s);
  }
  void exit() {
    if (old_device) {
      set_default_device(*old_device);
      set_default_stream(*old_stream);
    }
  }
};

} // namespace

namespace {

Device to_device(py::handle d) {
  if (py::isinstance<Device::DeviceType>(d)) {
    return Device(d.cast<Device::DeviceType>());
  }
  return d.cast<Device>();
}

} // namespace

// Used by to_stream_or_device (convert.cpp): a ThreadLocalStream argument
// means this thread's stream.
std::optional<Stream> thread_local_stream_of(py::handle obj) {
  if (py::isinstance<ThreadLocalStream>(obj)) {
    return resolve(obj.cast<ThreadLocalStream>());
  }
  return std::nullopt;
}

namespace {

void init_streams(py::module_& m) {
  py::class_<ThreadLocalStream>(m, "ThreadLocalStream", "A stream that is a different stream in each thread.")
      .def_property_readonly("device", [](const ThreadLocalStream& s) { return s.device; })
      .def("__repr__",
           [](const ThreadLocalStream& s) {
             std::ostringstream os;
             os << "ThreadLocalStream(" << s.device << ", " << s.index << ")";
             return os.str();
           })
      .def("__eq__",
           [](const ThreadLocalStream& s, py::object o) {
             return py::isinstance<ThreadLocalStream>(o) && o.cast<ThreadLocalStream>() == s;
           })
      .def("__hash__", [](const ThreadLocalStream& s) { return s.index; });
  m.def(
      "new_thread_local_stream", [](py::object d) { return new_thread_local_stream(to_device(d)); },
      py::arg("device"), "A stream that each thread using it gets its own copy of.");
  m.def(
      "new_thread_unsafe_stream", [](py::object d) { return new_thread_unsafe_stream(to_device(d)); },
      py::arg("device"), "A new stream for use from one thread at a time.");
  m.def(
      "clear_streams",
      []() {
        py::gil_scoped_release nogil;
        clear_streams();
      },
      "Wait for queued work and release this thread's streams.");
  m.def(
      "device_info",
      [](py::object d) {
        Device dev = d.is_none() ? default_device() : to_device(d);
        py::dict out;
        for (auto& [k, v] : device_info(dev)) {
          if (auto* s = std::get_if<std::string>(&v)) {
            out[py::str(k)] = *s;
          } else {
            out[py::str(k)] = std::get<size_t>(v);
          }
        }
        return out;
      },
      py::arg("d") = py::none(), "Properties of a device (default: the default device).");
  // Not MLX API: which instruction set the CPU kernels run (the best the
  // CPU has, or what MLX_CPU_ISA lowered it to), for tests and CI logs.
  m.def("_cpu_isa", []() { return std::string(mlx::core::cpu::isa_name(mlx::core::cpu::isa())); });
  m.def("_cpu_best_isa",
        []() { return std::string(mlx::core::cpu::isa_name(mlx::core::cpu::cpu_best_isa())); });
}

} // namespace

void init_device(py::module_& m) {
  py::enum_<Device::DeviceType> device_type(m, "DeviceType");
  device_type.value("cpu", Device::DeviceType::cpu).value("gpu", Device::DeviceType::gpu);
  // As in MLX, a DeviceType equals a Device of its type (any index); the
  // enum's own __eq__ would say False.
  auto type_eq = [](py::object self, py::object o) {
    auto t = self.cast<Device::DeviceType>();
    if (py::isinstance<Device>(o)) {
      return o.cast<Device>().type == t;
    }
    if (py::isinstance<Device::DeviceType>(o)) {
      return o.cast<Device::DeviceType>() == t;
    }
    return false;
  };
  py::setattr(device_type, "__eq__",
              py::cpp_function(type_eq, py::name("__eq__"), py::is_method(device_type), py::arg("other")));
  py::setattr(device_type, "__ne__",
              py::cpp_function([type_eq](py::object self, py::object o) { return !type_eq(self, o); },
                               py::name("__ne__"), py::is_method(device_type), py::arg("other")));

  py::class_<Device>(m, "Device", "A device to run operations on.")
      .def(py::init<Device::DeviceType, int>(), py::arg("type"), py::arg("index") = 0)
      .def_property_readonly("type", [](const Device& d) { return d.type; })
      .def("__repr__",
           [](const Device& d) {
             std::ostringstream os;
             os << d;
             return os.str();
           })
      .def("__eq__",
           [](const Device& d, py::object o) {
             if (py::isinstance<Device>(o)) {
               return o.cast<Device>() == d;
             }
             // A DeviceType stands for its device with index 0 (as in MLX).
             if (py::isinstance<Device::DeviceType>(o)) {
               return Device(o.cast<Device::DeviceType>()) == d;
             }
             return false;
           })
      .def("__hash__", [](const Device& d) { return static_cast<int>(d.type) * 1000003 + d.index; });
  py::implicitly_convertible<Device::DeviceType, Device>();

  m.attr("cpu") = m.attr("DeviceType").attr("cpu");
  m.attr("gpu") = m.attr("DeviceType").attr("gpu");

  py::class_<Stream>(m, "Stream", "A stream for running operations on a device.")
      .def_property_readonly("device", [](const Stream& s) { return s.device; })
      .def("__repr__",
           [](const Stream& s) {
             std::ostringstream os;
             os << s;
             return os.str();
           })
      .def("__eq__",
           [](const Stream& s, py::object o) { return py::isinstance<Stream>(o) && o.cast<Stream>() == s; });

  m.def("default_device", &default_device, "Get the default device.");
  m.def(
      "set_default_device", [](const Device& d) { set_default_device(d); }, py::arg("device"),
      "Set the default device.");
  m.def("default_stream", &default_stream, py::arg("device"), "Get the device's default stream.");
  m.def("set_default_stream", &set_default_stream, py::arg("stream"),
        "Set the default stream of the stream's device.");
  m.def("new_stream", &new_stream, py::arg("device"), "Make a new stream on the device.");
  m.def(
      "synchronize",
      [](py::object s) {
        // A stream, a device (its default stream) or None.
        Stream st = to_stream(to_stream_or_device(s));
        py::gil_scoped_release nogil;
        synchronize(st);
      },
      py::arg("stream") = py::none(),
      "Wait for all work on the stream (default: the default stream) to finish.");
  m.def(
      "is_available", [](const Device& d) { return is_available(d); }, py::arg("device"),
      "Whether the device is available.");
  m.def(
      "device_count", [](Device::DeviceType t) { return device_count(t); }, py::arg("device_type"),
      "Number of devices of the type.");

  py::class_<StreamContext>(m, "StreamContext")
      .def(py::init([](py::object s) { return StreamContext{to_stream_or_device(s)}; }), py::arg("s"))
      .def("__enter__", [](StreamContext& c) { c.enter(); })
      .def("__exit__", [](StreamContext& c, py::args) { c.exit(); });
  m.def(
      "stream", [](py::object s) { return StreamContext{to_stream_or_device(s)}; }, py::arg("s"),
      "A context manager that sets the default device and stream.");
  init_streams(m);
}
