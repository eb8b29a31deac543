#pragma once
// SHA-256 of in-memory data, for the per-tile fingerprints of `update` and the digests of the
// stored chunks: what an input holds, hashed in a fixed order, so two runs agree on whether
// anything a tile reads has changed. OpenSSL's implementation (SHA-NI where the CPU has it).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace minerisk {

/// A SHA-256 digest: 32 bytes.
struct Digest {
  std::array<std::byte, 32> bytes{};
  bool operator==(const Digest&) const = default;
  std::string hex() const;
};

/// Incremental SHA-256. Values are added in their in-memory (little-endian) form. add_double,
/// add_int and add_digest add fixed-size fields and add_text its length first, so sequences of
/// them cannot run into each other ambiguously; add_bytes adds the bytes alone, for callers
/// that add a count or length of their own.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void add_bytes(const void* data, size_t size);
  void add_double(double v) { add_bytes(&v, sizeof v); }
  void add_int(int64_t v) { add_bytes(&v, sizeof v); }
  void add_digest(const Digest& d) { add_bytes(d.bytes.data(), d.bytes.size()); }
  /// Length first, then the characters.
  void add_text(const std::string& text);
  /// The digest of everything added; the object is then spent (a further add or finish throws).
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The digest of one buffer.
Digest sha256_of(std::span<const std::byte> data);

/// The CRC-32 (zlib's) of a buffer, with libdeflate: a stored chunk's check before update
/// copies it (tens of gigabytes a second, where SHA-256 does under two).
uint32_t crc32_of(std::span<const std::byte> data);

}  // namespace minerisk
