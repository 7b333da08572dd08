// Streams: ordered queues of work on a device.
#pragma once

#include <ostream>
#include <variant>

#include "mlx/device.h"

namespace mlx::core {

struct Stream {
  int index;
  Device device;

  Stream(int index, Device device) : index(index), device(device) {}
  bool operator==(const Stream& o) const { return index == o.index; }
  bool operator!=(const Stream& o) const { return index != o.index; }
};

// The last argument of every op: a stream, a device (its default stream) or
// nothing (the default stream of the default device).
using StreamOrDevice = std::variant<std::monostate, Stream, Device>;

Stream default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
Stream to_stream(StreamOrDevice s);

// Waits until all work queued on the stream has finished.
void synchronize(Stream s);
void synchronize();

std::ostream& operator<<(std::ostream& os, const Stream& s);

} // namespace mlx::core
