// File readers/writers and shared checks for the io formats.
#include "mlx/io/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>

#include "mlx/threadpool.h"
#include "mlx/ops.h"
#include "mlx/transforms.h"

namespace mlx::core::io {

namespace {

// A file read with pread, so reads at any offset need no shared position.
class FileReader : public Reader {
 public:
  FileReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    struct stat st;
    size_ = (::fstat(fd_, &st) == 0) ? static_cast<size_t>(st.st_size) : 0;
  }
  ~FileReader() override { ::close(fd_); }
  std::string label() const override { return path_; }
  size_t size() override { return size_; }
  void read_at(void* dst, size_t n, size_t offset) override {
    // Large reads are split across the thread pool: copying from the page cache
    // and faulting in fresh pages are per-thread costs.
    constexpr size_t kPiece = size_t(8) << 20;
    if (n >= 4 * kPiece && threadpool::size() > 1) {
      size_t pieces = (n + kPiece - 1) / kPiece;
      char* base = static_cast<char*>(dst);
      // The pool does not carry exceptions across threads: keep the first.
      std::mutex mu;
      std::exception_ptr error;
      threadpool::parallel_for(pieces, 1, [&](size_t b, size_t e) {
        size_t lo = b * kPiece, hi = std::min(n, e * kPiece);
        try {
          read_serial(base + lo, hi - lo, offset + lo);
        } catch (...) {
          std::lock_guard<std::mutex> lk(mu);
          if (!error) {
            error = std::current_exception();
          }
        }
      });
      if (error) {
        std::rethrow_exception(error);
      }
      return;
    }
    read_serial(dst, n, offset);
  }

 private:
  void read_serial(void* dst, size_t n, size_t offset) {
    char* p = static_cast<char*>(dst);
    while (n > 0) {
      // Linux caps one read near 2 GiB; larger requests loop.
      size_t chunk = std::min<size_t>(n, size_t(1) << 30);
      ssize_t got = ::pread(fd_, p, chunk, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got <= 0) {
        std::ostringstream msg;
        msg << "[load] Unable to read " << n << " bytes at offset " << offset << " from file " << path_
            << " (the file is truncated or unreadable).";
        throw std::runtime_error(msg.str());
      }
      p += got;
      n -= got;
      offset += got;
    }
  }

  int fd_;
  std::string path_;
  size_t size_;
};

class FileWriter : public Writer {
 public:
  FileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileWriter() override { ::close(fd_); }
  std::string label() const override { return path_; }
  void write(const void* src, size_t n) override {
    const char* p = static_cast<const char*>(src);
    while (n > 0) {
      size_t chunk = std::min<size_t>(n, size_t(1) << 30);
      ssize_t put = ::write(fd_, p, chunk);
      if (put < 0 && errno == EINTR) {
        continue;
      }
      if (put <= 0) {
        throw std::runtime_error("[save] Failed to write to file " + path_);
      }
      p += put;
      n -= put;
      pos_ += put;
    }
  }
  size_t tell() const override { return pos_; }

 private:
  int fd_;
  std::string path_;
  size_t pos_{0};
};

} // namespace

std::shared_ptr<Reader> open_file_reader(const std::string& path, const char* op) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(op, "Failed to open file " + path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    fail(op, "Failed to open file " + path);
  }
  return std::make_shared<FileReader>(fd, path);
}

std::shared_ptr<Writer> open_file_writer(const std::string& path, const char* op) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(op, "Failed to open file " + path);
  }
  return std::make_shared<FileWriter>(fd, path);
}

std::string with_extension(std::string path, const std::string& ext) {
  if (path.size() < ext.size() || path.compare(path.size() - ext.size(), ext.size(), ext) != 0) {
    path += ext;
  }
  return path;
}

void fail(const char* op, const std::string& msg) {
  throw std::runtime_error(std::string("[") + op + "] " + msg);
}

size_t checked_nbytes(const std::vector<uint64_t>& dims, Dtype dtype, uint64_t available, const char* op,
                      const std::string& what) {
  uint64_t count = 1;
  bool zero = false;
  for (uint64_t d : dims) {
    if (d > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
      std::ostringstream msg;
      msg << what << " has dimension " << d << ", larger than the maximum supported ("
          << std::numeric_limits<ShapeElem>::max() << ").";
      fail(op, msg.str());
    }
    zero = zero || d == 0;
  }
  // The non-zero dims must multiply without overflow even when another dim
  // is zero: the array's strides are their products.
  const uint64_t limit = std::numeric_limits<int64_t>::max() / dtype.size;
  for (uint64_t d : dims) {
    if (d == 0) {
      continue;
    }
    if (count > limit / d) {
      fail(op, what + " has a shape whose byte count overflows.");
    }
    count *= d;
  }
  uint64_t nbytes = zero ? 0 : count * dtype.size;
  if (nbytes > available) {
    std::ostringstream msg;
    msg << what << " needs " << nbytes << " bytes but only " << available
        << " remain in the file (the file is truncated or corrupt).";
    fail(op, msg.str());
  }
  return static_cast<size_t>(nbytes);
}

array empty_array(const Shape& shape, Dtype dtype) {
  size_t n = shape_size(shape) * dtype.size;
  return array(allocator::malloc(n), shape, dtype);
}

array row_contiguous(array a) {
  a.eval();
  if (!a.flags().row_contiguous || a.data_size() != a.size()) {
    a = contiguous(a, false);
    a.eval();
  }
  if (!a.flags().row_contiguous || a.data_size() != a.size()) {
    throw std::runtime_error("[save] Internal error: could not make the array contiguous.");
  }
  return a;
}

void write_array_data(Writer& out, const array& a) { out.write(a.data<char>(), a.nbytes()); }

constexpr size_t kBlock = size_t(1) << 16;

void Cursor::bytes(void* dst, size_t n) {
  if (n > size_ - pos_) {
    std::ostringstream msg;
    msg << "Unexpected end of file " << in_.label() << " at byte " << pos_
        << " (the file is truncated or corrupt).";
    fail(op_, msg.str());
  }
  char* out = static_cast<char*>(dst);
  while (n > 0) {
    if (pos_ < buf_start_ || pos_ >= buf_start_ + buf_.size()) {
      if (n >= kBlock) {
        // Large reads go straight to the destination.
        in_.read_at(out, n, pos_);
        pos_ += n;
        return;
      }
      size_t len = std::min<size_t>(kBlock, size_ - pos_);
      buf_.resize(len);
      in_.read_at(buf_.data(), len, pos_);
      buf_start_ = pos_;
    }
    size_t off = pos_ - buf_start_;
    size_t take = std::min(n, buf_.size() - off);
    std::memcpy(out, buf_.data() + off, take);
    out += take;
    pos_ += take;
    n -= take;
  }
}

std::string Cursor::string(uint64_t n) {
  if (n > size_ - pos_) {
    std::ostringstream msg;
    msg << "A string of " << n << " bytes at byte " << pos_ << " runs past the end of file " << in_.label()
        << " (the file is truncated or corrupt).";
    fail(op_, msg.str());
  }
  std::string s(n, '\0');
  bytes(s.data(), n);
  return s;
}

void Cursor::skip(uint64_t n) {
  if (n > size_ - pos_) {
    fail(op_, "Unexpected end of file " + in_.label() + " (the file is truncated or corrupt).");
  }
  pos_ += n;
}

} // namespace mlx::core::io
