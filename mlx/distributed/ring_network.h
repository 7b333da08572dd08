// The TCP network under the ring backend: this process's listening sockets,
// connections to other ranks made on demand, and a poll loop that moves
// several buffers at once over them with a progress timeout.
//
// A connection ("link") joins two global ranks in one direction of use: the
// edge (from, to, channel) is dialled by `from` and accepted by `to`, over
// one socket per address that `to` lists in the hostfile. Each socket opens
// with a 16-byte hello naming its edge, so the acceptor can file it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace mlx::core::distributed::ring {

struct Address {
  std::string host;
  int port;
};

// Channels: the edges of a ring and point-to-point transfers use separate
// sockets, so their byte streams never interleave.
enum Channel : int { kRingChannel = 0, kPeerChannel = 1 };

// One buffer to move over one socket. A receive may fold the data that
// arrived into its destination: on_data(begin, end) is called with byte
// offsets of whole `align`-byte elements, in order, in pieces of at least
// 256 KiB (and the rest at the end).
struct Transfer {
  int fd;
  bool send;
  char* data;
  size_t size;
  int peer; // the global rank at the other end, for messages
  std::function<void(size_t, size_t)> on_data = nullptr;
  size_t align = 1;
  size_t done = 0;
  size_t reported = 0;
};

class Network {
 public:
  // Listens on the addresses of `rank`; `timeout_s` <= 0 waits forever.
  Network(int rank, std::vector<std::vector<Address>> hosts, double timeout_s, bool verbose);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  int rank() const { return rank_; }
  int size() const { return static_cast<int>(hosts_.size()); }

  // The sockets of edge (from, to, channel); one end must be this rank.
  const std::vector<int>& link(int from, int to, int channel);

  // Moves every transfer to completion. Raises std::runtime_error when a
  // socket fails, a peer closes its end, or nothing moves for the timeout.
  void run(std::vector<Transfer>& transfers);

  // A buffer moved over a link, split evenly over its sockets at
  // multiples of `align` bytes.
  void add(std::vector<Transfer>& out, const std::vector<int>& link, bool send, char* data, size_t size,
           size_t align, int peer, const std::function<void(size_t, size_t)>& on_data = nullptr);

  // Marks the network unusable (after a failure nothing can be trusted).
  void fail(const std::string& msg);

 private:
  int dial(const Address& a, int from, int to, int channel, int index);
  void accept_until(const std::tuple<int, int, int, int>& key);

  int rank_;
  std::vector<std::vector<Address>> hosts_;
  double timeout_s_;
  bool verbose_;
  std::vector<int> listeners_;
  std::map<std::tuple<int, int, int>, std::vector<int>> links_;
  // Accepted sockets whose edge has not been asked for yet.
  std::map<std::tuple<int, int, int, int>, int> pending_;
  std::string failed_;
};

// MLX_RING_TIMEOUT in seconds (300 when unset; 0 waits forever).
double timeout_from_env();

// The hostfile's JSON: a list with one entry per rank, each a list of
// "ip:port" strings (or one such string).
std::vector<std::vector<Address>> parse_hostfile(const std::string& text);

} // namespace mlx::core::distributed::ring
