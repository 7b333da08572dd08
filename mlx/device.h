// Devices and streams. Memory is unified: every device sees every buffer.
#pragma once

#include <ostream>

namespace mlx::core {

struct Device {
  enum class DeviceType { cpu, gpu };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type;
  int index;

  constexpr Device(DeviceType type, int index = 0) : type(type), index(index) {}
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

const Device& default_device();
// Throws std::invalid_argument when the device is not available.
void set_default_device(const Device& d);

// Whether a backend for the device type is built in (no GPU backend yet).
bool is_available(const Device& d);
int device_count(Device::DeviceType type);

std::ostream& operator<<(std::ostream& os, const Device& d);

} // namespace mlx::core
