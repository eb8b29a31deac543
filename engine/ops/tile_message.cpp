#include "tile_message.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace minerisk::ops {

namespace {
// Fixed-size fields in this machine's byte order: every rank of one job runs the same program
// on the same kind of machine (a heterogeneous cluster is out of scope, as for HDF5's chunks).
class Writer {
 public:
  template <typename T>
  void value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&v, sizeof v);
  }
  void bytes(const void* data, size_t size) {
    if (size == 0) return;  // an empty vector's data() may be null
    const auto* p = static_cast<const std::byte*>(data);
    out.insert(out.end(), p, p + size);
  }
  template <typename T>
  void array(const std::vector<T>& values) {
    value(static_cast<uint64_t>(values.size()));
    bytes(values.data(), values.size() * sizeof(T));
  }
  std::vector<std::byte> out;
};

class Reader {
 public:
  explicit Reader(const std::vector<std::byte>& in) : in_(in) {}
  template <typename T>
  T value() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  void bytes(void* data, size_t size) {
    if (size > in_.size() - at_) throw std::runtime_error("a tile message from another rank is cut short");
    if (size == 0) return;  // an empty vector's data() may be null
    std::memcpy(data, in_.data() + at_, size);
    at_ += size;
  }
  template <typename T>
  std::vector<T> array() {
    const auto count = value<uint64_t>();
    if (count > (in_.size() - at_) / sizeof(T)) throw std::runtime_error("a tile message from another rank is cut short");
    std::vector<T> values(count);
    bytes(values.data(), count * sizeof(T));
    return values;
  }
  bool at_end() const { return at_ == in_.size(); }

 private:
  const std::vector<std::byte>& in_;
  size_t at_ = 0;
};
}  // namespace

std::vector<std::byte> pack_tile_message(const TileMessage& m) {
  Writer w;
  w.value(m.index);
  w.value(m.valid_cells);
  w.value(m.seconds);
  w.array(m.fingerprint);
  w.value(m.chunk);
  w.array(m.picture);
  w.array(m.stored.clipped);
  w.value(static_cast<uint64_t>(m.stored.chunks.size()));
  for (const auto& chunk : m.stored.chunks) w.array(chunk);
  return std::move(w.out);
}

TileMessage unpack_tile_message(const std::vector<std::byte>& bytes) {
  Reader r(bytes);
  TileMessage m;
  m.index = r.value<int64_t>();
  m.valid_cells = r.value<int64_t>();
  m.seconds = r.value<double>();
  m.fingerprint = r.array<Digest>();
  m.chunk = r.value<Digest>();
  m.picture = r.array<float>();
  m.stored.clipped = r.array<int64_t>();
  const auto chunks = r.value<uint64_t>();
  if (chunks != m.stored.clipped.size()) throw std::runtime_error("a tile message from another rank is malformed");
  for (uint64_t k = 0; k < chunks; ++k) m.stored.chunks.push_back(r.array<std::byte>());
  if (!r.at_end()) throw std::runtime_error("a tile message from another rank has bytes beyond its end");
  return m;
}

}  // namespace minerisk::ops
