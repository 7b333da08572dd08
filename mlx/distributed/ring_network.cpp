// Sockets of the ring backend: hostfile parsing, listening, dialling with
// retries, accepting with hellos, and the poll loop that moves buffers.
#include "mlx/distributed/ring_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mlx::core::distributed::ring {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kMagic = 0x4d4c5852; // "MLXR"

struct Hello {
  uint32_t magic;
  int32_t from;
  int32_t to;
  int16_t channel;
  int16_t index;
};

[[noreturn]] void raise(const std::string& msg) { throw std::runtime_error("[ring] " + msg); }

std::string errno_str(int err) { return std::strerror(err); }

std::string addr_str(const Address& a) { return a.host + ":" + std::to_string(a.port); }

sockaddr_storage resolve(const Address& a, socklen_t& len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    raise("Couldn't resolve " + addr_str(a) + ": " + gai_strerror(rc));
  }
  sockaddr_storage out{};
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  freeaddrinfo(res);
  return out;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK); }

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Milliseconds left until `deadline` for poll (-1: forever).
int poll_ms(bool forever, Clock::time_point deadline) {
  if (forever) {
    return -1;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, std::min<long long>(ms, 1 << 30)));
}

// Reads exactly n bytes from a blocking-mode-agnostic socket before the
// deadline; false on timeout or failure.
bool read_exact(int fd, char* p, size_t n, bool forever, Clock::time_point deadline) {
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    int rc = poll(&pfd, 1, poll_ms(forever, deadline));
    if (rc <= 0) {
      if (rc < 0 && errno == EINTR) {
        continue;
      }
      return false;
    }
    ssize_t got = ::recv(fd, p, n, 0);
    if (got <= 0) {
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        continue;
      }
      return false;
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

} // namespace

double timeout_from_env() {
  const char* v = std::getenv("MLX_RING_TIMEOUT");
  if (v == nullptr || *v == '\0') {
    return 300.0;
  }
  char* end = nullptr;
  double t = std::strtod(v, &end);
  if (end == v || t < 0) {
    raise(std::string("MLX_RING_TIMEOUT must be a number of seconds (0 waits forever) but it is \"") + v +
          "\".");
  }
  return t;
}

std::vector<std::vector<Address>> parse_hostfile(const std::string& text) {
  // The JSON subset MLX writes: nested lists of strings.
  size_t i = 0;
  auto skip = [&]() {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
  };
  auto bad = [&](const std::string& what) {
    raise("The hostfile is not a JSON list of lists of \"ip:port\" strings (" + what + " at offset " +
          std::to_string(i) + ").");
  };
  auto expect = [&](char c) {
    skip();
    if (i >= text.size() || text[i] != c) {
      bad(std::string("expected '") + c + "'");
    }
    ++i;
  };
  auto address = [&]() {
    expect('"');
    size_t end = text.find('"', i);
    if (end == std::string::npos) {
      bad("unterminated string");
    }
    std::string s = text.substr(i, end - i);
    i = end + 1;
    size_t colon = s.rfind(':');
    if (colon == std::string::npos || colon + 1 == s.size()) {
      bad("\"" + s + "\" has no port");
    }
    Address a{s.substr(0, colon), std::atoi(s.c_str() + colon + 1)};
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') {
      a.host = a.host.substr(1, a.host.size() - 2);
    }
    return a;
  };
  std::vector<std::vector<Address>> hosts;
  expect('[');
  skip();
  if (i < text.size() && text[i] == ']') {
    ++i;
    return hosts;
  }
  while (true) {
    skip();
    std::vector<Address> rank;
    if (i < text.size() && text[i] == '[') {
      ++i;
      skip();
      if (i < text.size() && text[i] == ']') {
        bad("a rank without addresses");
      }
      while (true) {
        rank.push_back(address());
        skip();
        if (i < text.size() && text[i] == ',') {
          ++i;
          continue;
        }
        expect(']');
        break;
      }
    } else {
      rank.push_back(address());
    }
    hosts.push_back(std::move(rank));
    skip();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    expect(']');
    break;
  }
  return hosts;
}

Network::Network(int rank, std::vector<std::vector<Address>> hosts, double timeout_s, bool verbose)
    : rank_(rank), hosts_(std::move(hosts)), timeout_s_(timeout_s), verbose_(verbose) {
  for (auto& a : hosts_[rank_]) {
    socklen_t len;
    sockaddr_storage sa = resolve(a, len);
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      raise("Couldn't create a socket: " + errno_str(errno));
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || listen(fd, 128) != 0) {
      int err = errno;
      close(fd);
      raise("Rank " + std::to_string(rank_) + " couldn't listen on " + addr_str(a) + ": " + errno_str(err));
    }
    listeners_.push_back(fd);
    if (verbose_) {
      std::cerr << "[ring] Rank " << rank_ << " listening on " << addr_str(a) << std::endl;
    }
  }
}

Network::~Network() {
  for (int fd : listeners_) {
    close(fd);
  }
  for (auto& [key, fds] : links_) {
    for (int fd : fds) {
      close(fd);
    }
  }
  for (auto& [key, fd] : pending_) {
    close(fd);
  }
}

void Network::fail(const std::string& msg) {
  if (failed_.empty()) {
    failed_ = msg;
  }
  throw std::runtime_error(msg);
}

int Network::dial(const Address& a, int from, int to, int channel, int index) {
  bool forever = timeout_s_ <= 0;
  auto deadline = deadline_after(forever ? 0.0 : timeout_s_);
  socklen_t len;
  sockaddr_storage sa = resolve(a, len);
  int last_err = 0;
  while (true) {
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      raise("Couldn't create a socket: " + errno_str(errno));
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), len) == 0) {
      set_nodelay(fd);
      Hello h{kMagic, from, to, static_cast<int16_t>(channel), static_cast<int16_t>(index)};
      if (::send(fd, &h, sizeof(h), MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof(h))) {
        set_nonblocking(fd);
        return fd;
      }
      last_err = errno;
    } else {
      last_err = errno;
    }
    close(fd);
    if (!forever && Clock::now() >= deadline) {
      std::ostringstream msg;
      msg << "[ring] Rank " << rank_ << " couldn't connect to rank " << to << " at " << addr_str(a)
          << " within " << timeout_s_ << " s (" << errno_str(last_err)
          << "); is it running? (MLX_RING_TIMEOUT sets the wait)";
      fail(msg.str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Network::accept_until(const std::tuple<int, int, int, int>& key) {
  bool forever = timeout_s_ <= 0;
  auto deadline = deadline_after(forever ? 0.0 : timeout_s_);
  while (pending_.find(key) == pending_.end()) {
    std::vector<pollfd> pfds;
    for (int fd : listeners_) {
      pfds.push_back({fd, POLLIN, 0});
    }
    int rc = poll(pfds.data(), pfds.size(), poll_ms(forever, deadline));
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc <= 0) {
      std::ostringstream msg;
      msg << "[ring] Rank " << rank_ << " waited " << timeout_s_ << " s for rank " << std::get<0>(key)
          << " to connect; is it running? (MLX_RING_TIMEOUT sets the wait)";
      fail(msg.str());
    }
    for (auto& p : pfds) {
      if (!(p.revents & POLLIN)) {
        continue;
      }
      int fd = accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      set_nodelay(fd);
      Hello h{};
      if (!read_exact(fd, reinterpret_cast<char*>(&h), sizeof(h), forever, deadline) || h.magic != kMagic ||
          h.to != rank_) {
        close(fd); // not one of ours
        continue;
      }
      set_nonblocking(fd);
      pending_[{h.from, h.to, h.channel, h.index}] = fd;
    }
  }
}

const std::vector<int>& Network::link(int from, int to, int channel) {
  if (!failed_.empty()) {
    throw std::runtime_error(failed_);
  }
  auto key = std::make_tuple(from, to, channel);
  auto it = links_.find(key);
  if (it != links_.end()) {
    return it->second;
  }
  std::vector<int> fds;
  int n = static_cast<int>(hosts_[to].size());
  for (int i = 0; i < n; ++i) {
    if (from == rank_) {
      fds.push_back(dial(hosts_[to][i], from, to, channel, i));
    } else {
      auto pkey = std::make_tuple(from, to, channel, i);
      accept_until(pkey);
      fds.push_back(pending_[pkey]);
      pending_.erase(pkey);
    }
  }
  if (verbose_) {
    std::cerr << "[ring] Rank " << rank_ << " connected " << from << " -> " << to << " (channel " << channel
              << ", " << n << " socket(s))" << std::endl;
  }
  return links_[key] = std::move(fds);
}

void Network::add(std::vector<Transfer>& out, const std::vector<int>& link, bool send, char* data,
                  size_t size, size_t align, int peer, const std::function<void(size_t, size_t)>& on_data) {
  size_t units = size / align;
  size_t k = link.size();
  size_t begin = 0;
  for (size_t i = 0; i < k; ++i) {
    size_t end = (i + 1 == k) ? size : align * (units * (i + 1) / k);
    if (end > begin) {
      std::function<void(size_t, size_t)> cb = nullptr;
      if (on_data) {
        cb = [on_data, begin](size_t b, size_t e) { on_data(begin + b, begin + e); };
      }
      out.push_back(Transfer{link[i], send, data + begin, end - begin, peer, cb, align});
    }
    begin = end;
  }
}

void Network::run(std::vector<Transfer>& transfers) {
  if (!failed_.empty()) {
    throw std::runtime_error(failed_);
  }
  constexpr size_t kMaxCall = size_t(4) << 20;
  bool forever = timeout_s_ <= 0;
  auto deadline = deadline_after(timeout_s_);
  std::vector<pollfd> pfds;
  std::vector<size_t> which;
  while (true) {
    pfds.clear();
    which.clear();
    for (size_t i = 0; i < transfers.size(); ++i) {
      auto& t = transfers[i];
      if (t.done < t.size) {
        pfds.push_back({t.fd, static_cast<short>(t.send ? POLLOUT : POLLIN), 0});
        which.push_back(i);
      }
    }
    if (pfds.empty()) {
      return;
    }
    int rc = poll(pfds.data(), pfds.size(), poll_ms(forever, deadline));
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc == 0) {
      std::ostringstream msg;
      msg << "[ring] Rank " << rank_ << " made no progress for " << timeout_s_
          << " s exchanging data with rank " << transfers[which[0]].peer
          << " (a peer failed or is stuck; MLX_RING_TIMEOUT sets the wait)";
      fail(msg.str());
    }
    bool moved = false;
    for (size_t j = 0; j < pfds.size(); ++j) {
      if (pfds[j].revents == 0) {
        continue;
      }
      auto& t = transfers[which[j]];
      size_t want = std::min(kMaxCall, t.size - t.done);
      ssize_t got =
          t.send ? ::send(t.fd, t.data + t.done, want, MSG_NOSIGNAL) : ::recv(t.fd, t.data + t.done, want, 0);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        continue;
      }
      if (got <= 0) {
        std::ostringstream msg;
        msg << "[ring] Rank " << rank_ << " lost its connection to rank " << t.peer << " ("
            << (got == 0 ? std::string("closed by the peer") : errno_str(errno))
            << "); that process has probably failed";
        fail(msg.str());
      }
      t.done += static_cast<size_t>(got);
      if (t.on_data) {
        size_t whole = t.done - t.done % t.align;
        if (whole - t.reported >= (size_t(256) << 10) || t.done == t.size) {
          t.on_data(t.reported, whole);
          t.reported = whole;
        }
      }
      moved = true;
    }
    if (moved) {
      deadline = deadline_after(timeout_s_);
    }
  }
}

} // namespace mlx::core::distributed::ring
