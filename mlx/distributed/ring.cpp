// The ring backend: MLX's TCP ring, configured by MLX_RANK and MLX_HOSTFILE.
// all_sum/max/min run a reduce-scatter then an all-gather around the ring,
// each chunk split in two halves that travel in opposite directions, so
// both directions of every link carry data (bandwidth-optimal: each rank
// sends and receives 2 (n-1)/n of the array). Received data is reduced as
// it arrives. Unlike MLX 0.32, send/recv reach any rank, and split and
// sum_scatter work: groups made by split use the same network.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "mlx/distributed/group.h"
#include "mlx/distributed/reduce.h"
#include "mlx/distributed/ring_network.h"

namespace mlx::core::distributed::detail {

namespace {

using ring::kPeerChannel;
using ring::kRingChannel;
using ring::Network;
using ring::Transfer;

// Element offsets of n chunks and their two halves: chunk c is
// [off[c], off[c+1]), its first half goes clockwise, its second
// counter-clockwise.
struct Chunks {
  std::vector<size_t> off;
  size_t half(int c, int h) const { return h == 0 ? off[c] : off[c] + (off[c + 1] - off[c]) / 2; }
  size_t half_end(int c, int h) const { return h == 0 ? half(c, 1) : off[c + 1]; }
};

Chunks even_chunks(size_t n_elems, int n) {
  Chunks ch;
  for (int c = 0; c <= n; ++c) {
    ch.off.push_back(n_elems * c / n);
  }
  return ch;
}

int mod(int a, int n) { return ((a % n) + n) % n; }

class RingGroup : public GroupImpl {
 public:
  RingGroup(std::shared_ptr<Network> net, std::vector<int> members)
      : net_(std::move(net)), members_(std::move(members)) {
    int me = net_->rank();
    rank_ = static_cast<int>(std::find(members_.begin(), members_.end(), me) - members_.begin());
  }

  int rank() override { return rank_; }
  int size() override { return static_cast<int>(members_.size()); }

  // Sets up the links to both neighbours: every rank dials its right one
  // (which never waits for the peer to accept: the listen backlog takes
  // it), then accepts its left one, so no order of start-up deadlocks.
  void connect_ring() {
    int n = size();
    if (n > 1) {
      right_link();
      left_link();
    }
  }

  std::shared_ptr<GroupImpl> split(int color, int key) override {
    int n = size();
    std::vector<int32_t> mine = {color, key < 0 ? rank_ : key};
    std::vector<int32_t> all(2 * n);
    gather_bytes(reinterpret_cast<char*>(mine.data()), reinterpret_cast<char*>(all.data()),
                 2 * sizeof(int32_t));
    std::vector<std::pair<std::pair<int, int>, int>> chosen;
    for (int r = 0; r < n; ++r) {
      if (all[2 * r] == color) {
        chosen.push_back({{all[2 * r + 1], r}, members_[r]});
      }
    }
    std::sort(chosen.begin(), chosen.end());
    std::vector<int> members;
    for (auto& c : chosen) {
      members.push_back(c.second);
    }
    auto g = std::make_shared<RingGroup>(net_, std::move(members));
    return g;
  }

  void all_reduce(const array& in, array& out, ReduceOp op) override {
    char* buf = out.data<char>();
    size_t elems = out.size();
    int n = size();
    // Small arrays go one way only (half the messages).
    bool both = out.nbytes() >= (size_t(64) << 10);
    Chunks ch = even_chunks(elems, n);
    reduce_scatter(in.data<char>(), buf, out.itemsize(), out.dtype(), op, ch, both);
    gather_phase(buf, out.itemsize(), ch, both);
  }

  void all_gather(const array& in, array& out) override {
    gather_bytes(in.data<char>(), out.data<char>(), in.nbytes());
  }

  void sum_scatter(const array& in, array& out) override {
    int n = size();
    size_t item = in.itemsize();
    std::unique_ptr<char[]> work(new char[in.nbytes()]);
    Chunks ch = even_chunks(in.size(), n);
    reduce_scatter(in.data<char>(), work.get(), item, in.dtype(), ReduceOp::Sum, ch, true);
    std::memcpy(out.data<char>(), work.get() + ch.off[rank_] * item, out.nbytes());
  }

  void send(const array& in, int dst) override {
    int to = members_[dst];
    std::vector<Transfer> ts;
    net_->add(ts, net_->link(net_->rank(), to, kPeerChannel), true, const_cast<char*>(in.data<char>()),
              in.nbytes(), in.itemsize(), to);
    net_->run(ts);
  }

  void recv(array& out, int src) override {
    int from = members_[src];
    std::vector<Transfer> ts;
    net_->add(ts, net_->link(from, net_->rank(), kPeerChannel), false, out.data<char>(), out.nbytes(),
              out.itemsize(), from);
    net_->run(ts);
  }

 private:
  int right() { return members_[mod(rank_ + 1, size())]; }
  int left() { return members_[mod(rank_ - 1, size())]; }
  const std::vector<int>& right_link() { return net_->link(net_->rank(), right(), kRingChannel); }
  const std::vector<int>& left_link() { return net_->link(left(), net_->rank(), kRingChannel); }

  // One direction of the bidirectional ring: 0 sends to the right and
  // receives from the left (chunk indices step down), 1 the mirror.
  struct Way {
    const std::vector<int>& out;
    const std::vector<int>& in;
    int out_peer, in_peer, step;
  };
  Way way(int h) {
    return h == 0 ? Way{right_link(), left_link(), right(), left(), -1}
                  : Way{left_link_out(), right_link_in(), left(), right(), 1};
  }

  // n blocks of `block` bytes: this rank's goes to out[rank], every other
  // rank's arrives in its place.
  void gather_bytes(const char* in, char* out, size_t block) {
    int n = size();
    std::memcpy(out + block * rank_, in, block);
    Chunks ch;
    for (int c = 0; c <= n; ++c) {
      ch.off.push_back(block * c);
    }
    gather_phase(out, 1, ch, block >= (size_t(64) << 10));
  }

  // After it, chunk `rank` of buf holds the reduction of that chunk over
  // the group (the chunks received on the way hold partial results, the
  // others nothing yet). The first step sends from `in`; each received
  // chunk is reduced with in's once, in place in buf. Received bytes land
  // in buf itself unless buf is in (a donated input), whose values are
  // still to be read: then in a scratch buffer. (A scratch of half the
  // array, zeroed and paged in on every call, cost a third of the time of
  // a 256 MB all_sum.)
  void reduce_scatter(const char* in, char* buf, size_t item, Dtype dtype, ReduceOp op, const Chunks& ch,
                      bool both) {
    int n = size();
    if (n == 1) {
      return;
    }
    bool land_in_buf = in != buf;
    std::unique_ptr<char[]> scratch[2];
    if (!land_in_buf) {
      size_t max_chunk = 0;
      for (int c = 0; c < n; ++c) {
        max_chunk = std::max(max_chunk, ch.off[c + 1] - ch.off[c]);
      }
      size_t most = (both ? max_chunk / 2 + 1 : max_chunk) * item;
      for (int h = 0; h < (both ? 2 : 1); ++h) {
        scratch[h].reset(new char[most]);
      }
    }
    for (int s = 0; s < n - 1; ++s) {
      std::vector<Transfer> ts;
      for (int h = 0; h < (both ? 2 : 1); ++h) {
        // h 0: send to the right, receive from the left; h 1 mirrored.
        Way w = way(h);
        int send_c = mod(rank_ + w.step * (s + 1), n), recv_c = mod(rank_ + w.step * (s + 2), n);
        size_t sb = half(ch, send_c, h, both), se = half_end(ch, send_c, h, both);
        size_t rb = half(ch, recv_c, h, both), re = half_end(ch, recv_c, h, both);
        const char* from = (s == 0 ? in : buf) + sb * item;
        net_->add(ts, w.out, true, const_cast<char*>(from), (se - sb) * item, item, w.out_peer);
        char* dst = buf + rb * item;
        const char* mine = in + rb * item;
        char* land = land_in_buf ? dst : scratch[h].get();
        net_->add(ts, w.in, false, land, (re - rb) * item, item, w.in_peer,
                  [=](size_t b, size_t e) { reduce_bytes(dst + b, mine + b, land + b, e - b, dtype, op); });
      }
      net_->run(ts);
    }
  }

  // Spreads chunk `rank` of buf (complete) so that every chunk is.
  void gather_phase(char* buf, size_t item, const Chunks& ch, bool both) {
    int n = size();
    for (int s = 0; s < n - 1; ++s) {
      std::vector<Transfer> ts;
      for (int h = 0; h < (both ? 2 : 1); ++h) {
        Way w = way(h);
        int send_c = mod(rank_ + w.step * s, n), recv_c = mod(rank_ + w.step * (s + 1), n);
        size_t sb = half(ch, send_c, h, both), se = half_end(ch, send_c, h, both);
        size_t rb = half(ch, recv_c, h, both), re = half_end(ch, recv_c, h, both);
        net_->add(ts, w.out, true, buf + sb * item, (se - sb) * item, item, w.out_peer);
        net_->add(ts, w.in, false, buf + rb * item, (re - rb) * item, item, w.in_peer);
      }
      net_->run(ts);
    }
  }

  // The counter-clockwise direction uses the same ring edges the other way
  // round: this rank writes to its left neighbour on the edge left -> me
  // and reads from its right one on the edge me -> right (TCP is full
  // duplex), so each edge carries one stream each way.
  const std::vector<int>& left_link_out() { return left_link(); }
  const std::vector<int>& right_link_in() { return right_link(); }

  static size_t half(const Chunks& ch, int c, int h, bool both) { return both ? ch.half(c, h) : ch.off[c]; }
  static size_t half_end(const Chunks& ch, int c, int h, bool both) {
    return both ? ch.half_end(c, h) : ch.off[c + 1];
  }

  std::shared_ptr<Network> net_;
  std::vector<int> members_; // global ranks, in this group's rank order
  int rank_;
};

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

} // namespace

bool ring_is_available() { return true; }

std::shared_ptr<GroupImpl> ring_init(bool strict) {
  std::string rank_s = env_or_empty("MLX_RANK");
  std::string file = env_or_empty("MLX_HOSTFILE");
  if (rank_s.empty() || file.empty()) {
    if (strict) {
      std::ostringstream msg;
      msg << "[ring] You need to provide via environment variables both a rank (MLX_RANK) and a hostfile "
             "(MLX_HOSTFILE) but provided MLX_RANK=\""
          << rank_s << "\" and MLX_HOSTFILE=\"" << file << "\"";
      throw std::runtime_error(msg.str());
    }
    return nullptr;
  }
  std::ifstream f(file);
  if (!f) {
    throw std::runtime_error("[ring] Couldn't open the hostfile MLX_HOSTFILE=\"" + file + "\"");
  }
  std::stringstream text;
  text << f.rdbuf();
  auto hosts = ring::parse_hostfile(text.str());
  char* end = nullptr;
  long rank = std::strtol(rank_s.c_str(), &end, 10);
  if (end == rank_s.c_str() || *end != '\0' || rank < 0) {
    throw std::runtime_error("[ring] MLX_RANK must be a non-negative integer but it is \"" + rank_s + "\"");
  }
  if (rank >= static_cast<long>(hosts.size())) {
    throw std::runtime_error("[ring] Rank cannot be larger than the size of the group");
  }
  bool verbose = !env_or_empty("MLX_RING_VERBOSE").empty();
  auto net =
      std::make_shared<Network>(static_cast<int>(rank), std::move(hosts), ring::timeout_from_env(), verbose);
  std::vector<int> members(net->size());
  for (int i = 0; i < net->size(); ++i) {
    members[i] = i;
  }
  auto g = std::make_shared<RingGroup>(net, std::move(members));
  g->connect_ring();
  return g;
}

} // namespace mlx::core::distributed::detail
