// Zip reading and writing (PKWARE APPNOTE 6.3), stored and deflate only.
#include "mlx/io/zip.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "mlx/io/common.h"

namespace mlx::core::io {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64Extra = 0x0001;
constexpr uint32_t kMax32 = 0xFFFFFFFF;
constexpr uint16_t kMax16 = 0xFFFF;
// MS-DOS date of 1980-01-01, 00:00 (what NumPy's savez writes too).
constexpr uint16_t kDosDate = 0x0021;

template <typename T>
T le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

[[noreturn]] void corrupt(const char* op, const Reader& in, const std::string& why) {
  fail(op, "Corrupt zip file " + in.label() + ": " + why + ".");
}

// Updates a CRC-32 over any length (zlib takes 32-bit lengths).
uint32_t crc_update(uint32_t crc, const char* p, size_t n) {
  while (n > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(n, size_t(1) << 30));
    crc = static_cast<uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(p), chunk));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

} // namespace

std::vector<ZipEntry> read_zip_directory(Reader& in, const char* op) {
  const uint64_t size = in.size();
  auto not_zip = [&]() {
    throw std::invalid_argument(std::string("[") + op +
                                "] Input must be a zip file or a file-like object that can be "
                                "opened with zipfile.ZipFile");
  };
  if (size < 22) {
    not_zip();
  }
  // The end record sits in the last 22 bytes plus a comment of up to 64 KiB.
  uint64_t tail_len = std::min<uint64_t>(size, 22 + 65535);
  std::string tail(tail_len, '\0');
  in.read_at(tail.data(), tail_len, size - tail_len);
  int64_t end_pos = -1;
  for (int64_t i = static_cast<int64_t>(tail_len) - 22; i >= 0; --i) {
    if (le<uint32_t>(&tail[i]) == kEndSig) {
      end_pos = i;
      break;
    }
  }
  if (end_pos < 0) {
    not_zip();
  }
  const char* e = &tail[end_pos];
  uint64_t count = le<uint16_t>(e + 10);
  uint64_t cd_size = le<uint32_t>(e + 12);
  uint64_t cd_offset = le<uint32_t>(e + 16);
  uint64_t end_abs = size - tail_len + end_pos;
  if (count == kMax16 || cd_size == kMax32 || cd_offset == kMax32) {
    // Zip64: a locator just before the end record points to the real one.
    if (end_abs < 20) {
      corrupt(op, in, "missing zip64 locator");
    }
    char loc[20];
    in.read_at(loc, 20, end_abs - 20);
    if (le<uint32_t>(loc) != kEnd64LocatorSig) {
      corrupt(op, in, "missing zip64 locator");
    }
    uint64_t end64 = le<uint64_t>(loc + 8);
    if (end64 > size || size - end64 < 56) {
      corrupt(op, in, "zip64 end record out of range");
    }
    char rec[56];
    in.read_at(rec, 56, end64);
    if (le<uint32_t>(rec) != kEnd64Sig) {
      corrupt(op, in, "bad zip64 end record");
    }
    count = le<uint64_t>(rec + 32);
    cd_size = le<uint64_t>(rec + 40);
    cd_offset = le<uint64_t>(rec + 48);
  }
  if (cd_offset > size || cd_size > size - cd_offset) {
    corrupt(op, in, "central directory out of range");
  }
  // Each directory record takes at least 46 bytes: bounds `count`.
  if (count > cd_size / 46) {
    corrupt(op, in, "too many entries for the directory size");
  }
  std::string cd(cd_size, '\0');
  in.read_at(cd.data(), cd_size, cd_offset);

  std::vector<ZipEntry> entries;
  entries.reserve(count);
  size_t p = 0;
  for (uint64_t k = 0; k < count; ++k) {
    if (cd_size - p < 46 || le<uint32_t>(&cd[p]) != kCentralSig) {
      corrupt(op, in, "bad central directory record");
    }
    const char* r = &cd[p];
    ZipEntry z;
    uint16_t flags = le<uint16_t>(r + 8);
    z.method = le<uint16_t>(r + 10);
    z.crc = le<uint32_t>(r + 16);
    z.compressed_size = le<uint32_t>(r + 20);
    z.size = le<uint32_t>(r + 24);
    uint16_t name_len = le<uint16_t>(r + 28);
    uint16_t extra_len = le<uint16_t>(r + 30);
    uint16_t comment_len = le<uint16_t>(r + 32);
    z.local_header_offset = le<uint32_t>(r + 42);
    if (cd_size - p - 46 < uint64_t(name_len) + extra_len + comment_len) {
      corrupt(op, in, "central directory record runs past its end");
    }
    z.name.assign(r + 46, name_len);
    // The zip64 extra holds, in order, each field whose 32-bit slot is full.
    const char* x = r + 46 + name_len;
    const char* x_end = x + extra_len;
    while (x_end - x >= 4) {
      uint16_t id = le<uint16_t>(x);
      uint16_t len = le<uint16_t>(x + 2);
      const char* d = x + 4;
      if (x_end - d < len) {
        break;
      }
      if (id == kZip64Extra) {
        const char* dend = d + len;
        for (uint64_t* field : {&z.size, &z.compressed_size, &z.local_header_offset}) {
          if (*field == kMax32 && dend - d >= 8) {
            *field = le<uint64_t>(d);
            d += 8;
          }
        }
      }
      x += 4 + len;
    }
    if (flags & 1) {
      fail(op, "Encrypted zip entries are not supported (" + z.name + ").");
    }
    // Find the data past the local header (its name and extra lengths may
    // differ from the central copies).
    if (z.local_header_offset > size || size - z.local_header_offset < 30) {
      corrupt(op, in, "local header of " + z.name + " out of range");
    }
    char lh[30];
    in.read_at(lh, 30, z.local_header_offset);
    if (le<uint32_t>(lh) != kLocalSig) {
      corrupt(op, in, "bad local header for " + z.name);
    }
    z.data_offset = z.local_header_offset + 30 + le<uint16_t>(lh + 26) + le<uint16_t>(lh + 28);
    if (z.data_offset > size || z.compressed_size > size - z.data_offset) {
      corrupt(op, in, "data of " + z.name + " runs past the end of the file");
    }
    if (z.method == 0 && z.size != z.compressed_size) {
      corrupt(op, in, "stored entry " + z.name + " has mismatched sizes");
    }
    entries.push_back(std::move(z));
    p += 46 + name_len + extra_len + comment_len;
  }
  return entries;
}

// ------------------------------------------------------------------ Inflater

Inflater::Inflater(Reader& in, const ZipEntry& entry, const char* op) : in_(in), entry_(entry), op_(op) {
  // Negative window bits: a raw deflate stream, as zip stores it.
  if (inflateInit2(&zs_, -MAX_WBITS) != Z_OK) {
    fail(op_, "Could not initialise zlib.");
  }
}

Inflater::~Inflater() { inflateEnd(&zs_); }

void Inflater::refill() {
  uint64_t left = entry_.compressed_size - consumed_;
  size_t n = static_cast<size_t>(std::min<uint64_t>(left, 1 << 20));
  buf_.resize(n);
  if (n > 0) {
    in_.read_at(buf_.data(), n, entry_.data_offset + consumed_);
  }
  consumed_ += n;
  zs_.next_in = reinterpret_cast<Bytef*>(buf_.data());
  zs_.avail_in = static_cast<uInt>(n);
}

void Inflater::read(void* dst, size_t n) {
  char* out = static_cast<char*>(dst);
  char* const start = out;
  while (n > 0) {
    if (ended_) {
      fail(op_, "Entry " + entry_.name + " ends early (the file is truncated or corrupt).");
    }
    uInt chunk = static_cast<uInt>(std::min<size_t>(n, size_t(1) << 30));
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = chunk;
    while (zs_.avail_out > 0) {
      if (zs_.avail_in == 0 && consumed_ < entry_.compressed_size) {
        refill();
      }
      int rc = ::inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        ended_ = true;
        break;
      }
      // No progress and no input left: the stream was cut short.
      if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && consumed_ == entry_.compressed_size) {
        fail(op_, "Entry " + entry_.name + " ends early (the file is truncated or corrupt).");
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        fail(op_, "Entry " + entry_.name + " is not valid deflate data.");
      }
    }
    size_t got = chunk - zs_.avail_out;
    out += got;
    n -= got;
    if (ended_ && n > 0) {
      fail(op_, "Entry " + entry_.name + " ends early (the file is truncated or corrupt).");
    }
  }
  crc_ = crc_update(crc_, start, out - start);
  produced_ += out - start;
}

void Inflater::finish() {
  if (!ended_) {
    // The stream must end exactly here: one more byte of room must stay empty.
    char probe;
    zs_.next_out = reinterpret_cast<Bytef*>(&probe);
    zs_.avail_out = 1;
    while (true) {
      if (zs_.avail_in == 0 && consumed_ < entry_.compressed_size) {
        refill();
      }
      int rc = ::inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END && zs_.avail_out == 1) {
        ended_ = true;
        break;
      }
      if (zs_.avail_out == 0) {
        fail(op_, "Entry " + entry_.name + " holds more data than its array.");
      }
      if ((rc != Z_OK && rc != Z_BUF_ERROR) ||
          (rc == Z_BUF_ERROR && zs_.avail_in == 0 && consumed_ == entry_.compressed_size)) {
        fail(op_, "Entry " + entry_.name + " is not valid deflate data.");
      }
    }
  }
  if (crc_ != entry_.crc) {
    fail(op_, "Entry " + entry_.name + " fails its CRC check (the file is corrupt).");
  }
}

// ----------------------------------------------------------------- ZipWriter

void ZipWriter::add(const std::string& name, const std::string& head, const char* data, size_t size,
                    bool deflate) {
  Written w{name, static_cast<uint16_t>(deflate ? 8 : 0), 0, 0, head.size() + size, out_.tell()};
  w.crc = crc_update(crc_update(0, head.data(), head.size()), data, size);

  // The local header precedes the data and must hold the compressed size,
  // so a deflated entry is compressed into memory first.
  std::string packed;
  if (deflate) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      fail("savez_compressed", "Could not initialise zlib.");
    }
    auto pump = [&](const char* p, size_t n, bool last) {
      do {
        uInt in_chunk = static_cast<uInt>(std::min<size_t>(n, size_t(1) << 30));
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p));
        zs.avail_in = in_chunk;
        bool final_chunk = last && in_chunk == n;
        do {
          size_t old = packed.size();
          packed.resize(old + (1 << 16));
          zs.next_out = reinterpret_cast<Bytef*>(&packed[old]);
          zs.avail_out = 1 << 16;
          ::deflate(&zs, final_chunk ? Z_FINISH : Z_NO_FLUSH);
          packed.resize(old + (1 << 16) - zs.avail_out);
        } while (zs.avail_out == 0 || zs.avail_in > 0);
        p += in_chunk;
        n -= in_chunk;
      } while (n > 0);
    };
    pump(head.data(), head.size(), false);
    pump(data, size, true);
    deflateEnd(&zs);
    w.compressed_size = packed.size();
  } else {
    w.compressed_size = w.size;
  }

  bool zip64 = w.size >= kMax32 || w.compressed_size >= kMax32;
  std::string lh;
  put<uint32_t>(lh, kLocalSig);
  put<uint16_t>(lh, zip64 ? 45 : 20);
  // Bit 11: the name is UTF-8.
  bool utf8 = std::any_of(name.begin(), name.end(), [](char c) { return c & 0x80; });
  put<uint16_t>(lh, utf8 ? 0x0800 : 0);
  put<uint16_t>(lh, w.method);
  put<uint16_t>(lh, 0);
  put<uint16_t>(lh, kDosDate);
  put<uint32_t>(lh, w.crc);
  put<uint32_t>(lh, zip64 ? kMax32 : static_cast<uint32_t>(w.compressed_size));
  put<uint32_t>(lh, zip64 ? kMax32 : static_cast<uint32_t>(w.size));
  put<uint16_t>(lh, static_cast<uint16_t>(name.size()));
  put<uint16_t>(lh, zip64 ? 20 : 0);
  lh += name;
  if (zip64) {
    put<uint16_t>(lh, kZip64Extra);
    put<uint16_t>(lh, 16);
    put<uint64_t>(lh, w.size);
    put<uint64_t>(lh, w.compressed_size);
  }
  out_.write(lh.data(), lh.size());
  if (deflate) {
    out_.write(packed.data(), packed.size());
  } else {
    out_.write(head.data(), head.size());
    out_.write(data, size);
  }
  entries_.push_back(std::move(w));
}

void ZipWriter::finish() {
  uint64_t cd_offset = out_.tell();
  std::string cd;
  for (const auto& w : entries_) {
    std::string extra;
    for (uint64_t v : {w.size, w.compressed_size, w.offset}) {
      if (v >= kMax32) {
        put<uint64_t>(extra, v);
      }
    }
    bool zip64 = !extra.empty();
    put<uint32_t>(cd, kCentralSig);
    put<uint16_t>(cd, 0x0300 | 45); // made by Unix, spec 4.5
    put<uint16_t>(cd, zip64 ? 45 : 20);
    bool utf8 = std::any_of(w.name.begin(), w.name.end(), [](char c) { return c & 0x80; });
    put<uint16_t>(cd, utf8 ? 0x0800 : 0);
    put<uint16_t>(cd, w.method);
    put<uint16_t>(cd, 0);
    put<uint16_t>(cd, kDosDate);
    put<uint32_t>(cd, w.crc);
    put<uint32_t>(cd, static_cast<uint32_t>(std::min<uint64_t>(w.compressed_size, kMax32)));
    put<uint32_t>(cd, static_cast<uint32_t>(std::min<uint64_t>(w.size, kMax32)));
    put<uint16_t>(cd, static_cast<uint16_t>(w.name.size()));
    put<uint16_t>(cd, static_cast<uint16_t>(zip64 ? extra.size() + 4 : 0));
    put<uint16_t>(cd, 0);           // comment
    put<uint16_t>(cd, 0);           // disk
    put<uint16_t>(cd, 0);           // internal attributes
    put<uint32_t>(cd, 0644u << 16); // external: a regular file, rw-r--r--
    put<uint32_t>(cd, static_cast<uint32_t>(std::min<uint64_t>(w.offset, kMax32)));
    cd += w.name;
    if (zip64) {
      put<uint16_t>(cd, kZip64Extra);
      put<uint16_t>(cd, static_cast<uint16_t>(extra.size()));
      cd += extra;
    }
  }
  out_.write(cd.data(), cd.size());
  uint64_t count = entries_.size();
  std::string end;
  if (count >= kMax16 || cd.size() >= kMax32 || cd_offset >= kMax32) {
    uint64_t end64 = out_.tell();
    put<uint32_t>(end, kEnd64Sig);
    put<uint64_t>(end, 44);
    put<uint16_t>(end, 0x0300 | 45);
    put<uint16_t>(end, 45);
    put<uint32_t>(end, 0);
    put<uint32_t>(end, 0);
    put<uint64_t>(end, count);
    put<uint64_t>(end, count);
    put<uint64_t>(end, cd.size());
    put<uint64_t>(end, cd_offset);
    put<uint32_t>(end, kEnd64LocatorSig);
    put<uint32_t>(end, 0);
    put<uint64_t>(end, end64);
    put<uint32_t>(end, 1);
  }
  put<uint32_t>(end, kEndSig);
  put<uint16_t>(end, 0);
  put<uint16_t>(end, 0);
  put<uint16_t>(end, static_cast<uint16_t>(std::min<uint64_t>(count, kMax16)));
  put<uint16_t>(end, static_cast<uint16_t>(std::min<uint64_t>(count, kMax16)));
  put<uint32_t>(end, static_cast<uint32_t>(std::min<uint64_t>(cd.size(), kMax32)));
  put<uint32_t>(end, static_cast<uint32_t>(std::min<uint64_t>(cd_offset, kMax32)));
  put<uint16_t>(end, 0);
  out_.write(end.data(), end.size());
}

} // namespace mlx::core::io
