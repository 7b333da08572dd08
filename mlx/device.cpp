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

bool is_available(const Device& d) { return d.type == Device::cpu; }

int device_count(Device::DeviceType type) {
  return type == Device::cpu ? 1 : 0;
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument(
        "[set_default_device] Cannot set gpu device without gpu backend.");
  }
  default_device_ref() = d;
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", "
     << d.index << ")";
  return os;
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  os << "Stream(" << s.device << ", " << s.index << ")";
  return os;
}

} // namespace mlx::core
