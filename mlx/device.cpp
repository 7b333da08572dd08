#include <sys/utsname.h>
#include <fstream>
#include <map>
#include <string>
#include <variant>
#include "mlx/ops.h"
#include "mlx/device.h"

#include <sstream>
#include <stdexcept>

#include "mlx/stream.h"

namespace mlx::core {

namespace {
Device& default_device_ref() {
  static Device d(Device::cpu);
  return d;
}
} // namespace

const Device& default_device() { return default_device_ref(); }

// The cpu is one device, index 0 (mx.Device(mx.cpu, 7) can be made, as in
// MLX, but names nothing).
bool is_available(const Device& d) { return d.type == Device::cpu && d.index == 0; }

int device_count(Device::DeviceType type) { return type == Device::cpu ? 1 : 0; }

void set_default_device(const Device& d) {
  if (d.type == Device::cpu && d.index != 0) {
    std::ostringstream msg;
    msg << "[set_default_device] " << d << " does not exist: the cpu has one device, index 0.";
    throw std::out_of_range(msg.str());
  }
  if (!is_available(d)) {
    throw std::invalid_argument("[set_default_device] Cannot set gpu device without gpu backend.");
  }
  default_device_ref() = d;
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", " << d.index << ")";
  return os;
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  os << "Stream(" << s.device << ", " << s.index << ")";
  return os;
}

std::map<std::string, std::variant<std::string, size_t>> device_info(const Device& d) {
  std::map<std::string, std::variant<std::string, size_t>> info;
  if (d.type == Device::gpu) {
    return info; // No GPU backend: nothing to report, as MLX's CPU build.
  }
  utsname u{};
  if (uname(&u) == 0) {
    info["architecture"] = std::string(u.machine);
  }
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      auto name = line.substr(pos + 1);
      name.erase(0, name.find_first_not_of(" \t"));
      info["device_name"] = name;
      break;
    }
  }
  return info;
}

} // namespace mlx::core
