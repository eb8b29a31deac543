#include "commit_manifest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace minerisk::detail {
namespace {

constexpr const char* kRecord = "commit";
constexpr size_t kFieldsPerEntry = 7;  // name, backup, had_previous, dev, ino, size, mtime_ns

// Fields separated by NUL, which no file name holds.
std::string encoded(const std::vector<CommitEntry>& entries) {
  std::string text;
  for (const CommitEntry& e : entries)
    for (const std::string& field : {e.name, e.backup, std::string(e.had_previous ? "1" : "0"),
                                     std::to_string(e.new_file.dev), std::to_string(e.new_file.ino),
                                     std::to_string(e.size), std::to_string(e.mtime_ns)})
      text += field + '\0';
  return text;
}

// A name within one folder: the record holds only such names, so a damaged or planted one
// cannot reach beyond the output folder and the private folder.
bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

std::vector<CommitEntry> decoded(const std::string& text) {
  std::vector<std::string> fields;
  for (size_t start = 0, end; (end = text.find('\0', start)) != std::string::npos; start = end + 1)
    fields.push_back(text.substr(start, end - start));
  std::vector<CommitEntry> entries;
  if (fields.size() % kFieldsPerEntry != 0) return entries;  // not a whole record: touch nothing
  try {
    for (size_t i = 0; i < fields.size(); i += kFieldsPerEntry) {
      if (!plain_name(fields[i]) || fields[i + 1].rfind("previous-", 0) != 0 || !plain_name(fields[i + 1])) return {};
      entries.push_back({fields[i], fields[i + 1], fields[i + 2] == "1",
                         FileId{static_cast<dev_t>(std::stoull(fields[i + 3])), static_cast<ino_t>(std::stoull(fields[i + 4]))},
                         std::stoll(fields[i + 5]), std::stoll(fields[i + 6])});
    }
  } catch (const std::exception&) {
    return {};
  }
  return entries;
}

std::string read_record(int folder_fd) {
  // O_NONBLOCK: a fifo by that name would hold the open for ever; only a plain file is read.
  const int fd = ::openat(folder_fd, kRecord, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "";
  struct stat st {};
  std::string text;
  constexpr size_t kMostBytes = size_t{1} << 20;  // a commit of thousands of outputs; more is not ours
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) <= kMostBytes) {
    char buffer[4096];
    for (ssize_t n; text.size() <= kMostBytes && (n = ::read(fd, buffer, sizeof buffer)) > 0;)
      text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (text.size() > kMostBytes) return "";
  return text;
}

}  // namespace

void describe_new_file(CommitEntry& entry, const struct stat& st) {
  entry.new_file = FileId{st.st_dev, st.st_ino};
  entry.size = static_cast<int64_t>(st.st_size);
  entry.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

bool write_commit_record(int folder_fd, const std::vector<CommitEntry>& entries) {
  const int fd = ::openat(folder_fd, kRecord, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string text = encoded(entries);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) ::unlinkat(folder_fd, kRecord, 0);  // a partial record would undo nothing right
  return written;
}

void remove_commit_record(int folder_fd) { ::unlinkat(folder_fd, kRecord, 0); }

void roll_back_commit(int parent_fd, int folder_fd) {
  for (const CommitEntry& e : decoded(read_record(folder_fd))) {
    struct stat now {};
    if (::fstatat(parent_fd, e.name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0) continue;
    CommitEntry standing;
    describe_new_file(standing, now);
    if (standing.new_file != e.new_file || standing.size != e.size || standing.mtime_ns != e.mtime_ns)
      continue;  // not renamed yet, or another file put there since
    struct stat kept {};
    if (::fstatat(folder_fd, e.backup.c_str(), &kept, AT_SYMLINK_NOFOLLOW) == 0)
      ::renameat(folder_fd, e.backup.c_str(), parent_fd, e.name.c_str());
    else if (!e.had_previous)
      ::unlinkat(parent_fd, e.name.c_str(), 0);
  }
  remove_commit_record(folder_fd);
}

}  // namespace minerisk::detail
