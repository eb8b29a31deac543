#include "update_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk::ops {

namespace {
// The file starts with this line; each record is
//   "TILE" | int64 index | 32-byte key | uint32 chunk count | (uint64 size, bytes)... | 32-byte SHA-256 of all before it
constexpr char kHeader[] = "minerisk update journal 1\n";
constexpr char kTag[4] = {'T', 'I', 'L', 'E'};

bool read_exact(int fd, void* to, size_t size, uint64_t at) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, static_cast<char*>(to) + done, size - done, static_cast<off_t>(at + done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void write_exact(int fd, const std::vector<std::byte>& bytes, uint64_t at, const fs::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(at + done));
    if (n <= 0) throw UserError("'" + path.string() + "': cannot write the update journal (" + std::strerror(errno) + ")");
    done += static_cast<size_t>(n);
  }
}

template <class T>
void put(std::vector<std::byte>& out, const T& v) {
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
}  // namespace

fs::path UpdateJournal::path_for(const fs::path& output) {
  fs::path journal = output;
  journal += ".journal";
  return journal;
}

UpdateJournal::UpdateJournal(const fs::path& output) : path_(path_for(output)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw UserError("'" + path_.string() + "': cannot open the update journal (" + std::strerror(errno) +
                    "); check the folder's permissions, and that it is not a link");
  // A hard link to another file, or a file that holds something else, is never written to.
  struct stat st{};
  char header[sizeof kHeader - 1];
  const bool is_journal = read_exact(fd_, header, sizeof header, 0) && std::memcmp(header, kHeader, sizeof header) == 0;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || (st.st_size > 0 && !is_journal)) {
    ::close(fd_);
    fd_ = -1;
    throw UserError("'" + path_.string() + "' is not an update journal of minerisk (another file, or a link to "
                    "one); remove it or choose another output name");
  }
  if (!is_journal) {  // new
    if (::ftruncate(fd_, 0) != 0) throw UserError("'" + path_.string() + "': cannot reset the update journal");
    write_exact(fd_, std::vector<std::byte>(reinterpret_cast<const std::byte*>(kHeader),
                                            reinterpret_cast<const std::byte*>(kHeader) + sizeof kHeader - 1),
                0, path_);
    end_ = sizeof kHeader - 1;
    return;
  }
  // The records the killed update finished, up to the first that is cut short or damaged.
  uint64_t at = sizeof kHeader - 1;
  for (;;) {
    Sha256 check;
    char tag[4];
    int64_t index = 0;
    Found f;
    uint32_t count = 0;
    uint64_t pos = at;
    auto field = [&](void* to, size_t size) {
      if (!read_exact(fd_, to, size, pos)) return false;
      check.add_bytes(to, size);
      pos += size;
      return true;
    };
    // Bounds far above any real record (a tile has one chunk per file variable, each at most a
    // tile of float32) keep a damaged count or size from asking for absurd memory.
    if (!field(tag, 4) || std::memcmp(tag, kTag, 4) != 0 || !field(&index, 8) || !field(f.key.bytes.data(), 32) ||
        !field(&count, 4) || count > 4096)
      break;
    bool whole = true;
    std::vector<std::byte> buffer;
    for (uint32_t k = 0; k < count && whole; ++k) {
      uint64_t size = 0;
      if (!field(&size, 8) || size > (1ULL << 34)) {
        whole = false;
        break;
      }
      buffer.resize(size);
      f.chunks.emplace_back(pos, size);
      whole = field(buffer.data(), size);
    }
    Digest stored;
    if (!whole || !read_exact(fd_, stored.bytes.data(), 32, pos) || !(check.finish() == stored)) break;
    found_[index] = std::move(f);
    at = pos + 32;
  }
  end_ = at;
  if (::ftruncate(fd_, static_cast<off_t>(end_)) != 0) throw UserError("'" + path_.string() + "': cannot trim the update journal");
}

UpdateJournal::~UpdateJournal() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::vector<std::vector<std::byte>>> UpdateJournal::take(int64_t index, const Digest& key) const {
  const auto it = found_.find(index);
  if (it == found_.end() || !(it->second.key == key)) return std::nullopt;
  std::vector<std::vector<std::byte>> chunks;
  for (const auto& [offset, size] : it->second.chunks) {
    std::vector<std::byte> bytes(size);
    if (!read_exact(fd_, bytes.data(), size, offset)) return std::nullopt;
    chunks.push_back(std::move(bytes));
  }
  return chunks;
}

void UpdateJournal::append(int64_t index, const Digest& key, const std::vector<const std::vector<std::byte>*>& chunks) {
  std::vector<std::byte> record;
  record.insert(record.end(), reinterpret_cast<const std::byte*>(kTag), reinterpret_cast<const std::byte*>(kTag) + 4);
  put(record, index);
  record.insert(record.end(), key.bytes.begin(), key.bytes.end());
  put(record, static_cast<uint32_t>(chunks.size()));
  for (const auto* chunk : chunks) {
    put(record, static_cast<uint64_t>(chunk->size()));
    record.insert(record.end(), chunk->begin(), chunk->end());
  }
  const Digest check = sha256_of(record);
  record.insert(record.end(), check.bytes.begin(), check.bytes.end());
  // One write per record: a kill leaves whole records and at most one cut short.
  write_exact(fd_, record, end_, path_);
  end_ += record.size();
}

void UpdateJournal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());  // the name only: unlink never follows a link
}

}  // namespace minerisk::ops
