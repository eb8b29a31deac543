#include "private_folder.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

#include "commit_manifest.hpp"
#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk::detail {
namespace {

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// The pid in a private folder's name `.minerisk-<pid>-XXXXXX`, or -1 if the name is not one.
pid_t pid_of(const std::string& name) {
  const std::string prefix = kPrivatePrefix;
  if (name.compare(0, prefix.size(), prefix) != 0) return -1;
  const size_t dash = name.find('-', prefix.size());
  if (dash == std::string::npos || dash == prefix.size() || dash > prefix.size() + 10) return -1;
  if (name.size() != dash + 7) return -1;  // mkdtemp's six characters
  long long pid = 0;
  for (size_t i = prefix.size(); i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid > 0 && pid <= INT32_MAX ? static_cast<pid_t>(pid) : -1;
}

// Removes the plain files in the directory open as `fd` (never following or descending into
// anything), then the directory itself, `name` in `parent_fd`. Errors leave what remains.
void remove_folder(int parent_fd, int fd, const std::string& name) {
  const int listing = ::dup(fd);
  if (listing < 0) return;
  DIR* dir = ::fdopendir(listing);
  if (!dir) {
    ::close(listing);
    return;
  }
  std::vector<std::string> files;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string file = entry->d_name;
    struct stat st {};
    if (file == "." || file == ".." || ::fstatat(fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISDIR(st.st_mode)) files.push_back(file);
  }
  ::closedir(dir);
  for (const std::string& file : files) ::unlinkat(fd, file.c_str(), 0);
  ::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR);
}

UserError cannot_write(const fs::path& folder, int error) {
  return UserError("output: cannot write in folder '" + folder.string() + "' (" + std::strerror(error) +
                   "); choose a folder you can write to");
}

}  // namespace

void remove_stale_private_folders(int parent_fd) {
  const int listing = ::dup(parent_fd);
  if (listing < 0) return;
  DIR* dir = ::fdopendir(listing);
  if (!dir) {
    ::close(listing);
    return;
  }
  std::vector<std::string> candidates;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    const pid_t pid = pid_of(name);
    // A live process (ours included) keeps its folder; a reused pid only delays the removal.
    if (pid < 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    candidates.push_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : candidates) {
    struct stat before {};
    if (::fstatat(parent_fd, name.c_str(), &before, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISDIR(before.st_mode) || before.st_uid != ::geteuid()) continue;
    const int fd = ::openat(parent_fd, name.c_str(), kDirectoryFlags);
    if (fd < 0) continue;
    struct stat opened {};
    // The same directory we looked at (not swapped since), and no process holds its lock.
    if (::fstat(fd, &opened) == 0 && opened.st_dev == before.st_dev && opened.st_ino == before.st_ino &&
        (::flock(fd, LOCK_EX | LOCK_NB) == 0 || errno == ENOLCK || errno == EINVAL)) {
      roll_back_commit(parent_fd, fd);  // a commit the process was killed in: the previous files back
      remove_folder(parent_fd, fd, name);
    }
    ::close(fd);
  }
}

PrivateFolder::PrivateFolder(const fs::path& folder) : folder_(folder) {
  const fs::path where = folder.empty() ? fs::path(".") : folder;
  parent_fd_ = ::open(where.c_str(), kDirectoryFlags & ~O_NOFOLLOW);  // the user's folder may be a link
  if (parent_fd_ < 0) throw cannot_write(where, errno);
  remove_stale_private_folders(parent_fd_);
  std::string pattern = (where / kPrivatePrefix).string() + std::to_string(::getpid()) + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    const int error = errno;
    ::close(parent_fd_);
    throw cannot_write(where, error);
  }
  name_ = fs::path(pattern).filename().string();
  fd_ = ::openat(parent_fd_, name_.c_str(), kDirectoryFlags);
  struct stat mine {}, parent {};
  if (fd_ < 0 || ::fstat(fd_, &mine) != 0 || !S_ISDIR(mine.st_mode) || mine.st_uid != ::geteuid() ||
      (mine.st_mode & 077) != 0 || ::fstat(parent_fd_, &parent) != 0) {
    // Not the folder mkdtemp made (someone replaced it between the two calls), or no more
    // descriptors: remove it if it is still our empty folder (rmdir takes nothing else).
    const int error = fd_ < 0 ? errno : EEXIST;
    if (fd_ >= 0) ::close(fd_);
    if (fd_ < 0) ::unlinkat(parent_fd_, name_.c_str(), AT_REMOVEDIR);
    ::close(parent_fd_);
    throw cannot_write(where, error);
  }
  ::flock(fd_, LOCK_EX | LOCK_NB);  // fresh, so free; a file system without locks relies on the pid
  const bool others_may_rename = (parent.st_uid != ::geteuid() && parent.st_uid != 0) ||
                                 ((parent.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (parent.st_mode & S_ISVTX) == 0);
  const fs::path by_fd = "/proc/self/fd/" + std::to_string(fd_);
  std::error_code ec;
  base_ = others_may_rename && fs::is_directory(by_fd, ec) ? by_fd : where / name_;
}

PrivateFolder::~PrivateFolder() {
  remove_folder(parent_fd_, fd_, name_);
  ::close(fd_);
  ::close(parent_fd_);
}

fs::path PrivateFolder::create_file(const std::string& name) const {
  const int fd = ::openat(fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) throw cannot_write(folder_.empty() ? fs::path(".") : folder_, errno);
  ::close(fd);
  return base_ / name;
}

bool PrivateFolder::sync_file(const std::string& name) const {
  const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  errno = error;
  return ok;
}

void PrivateFolder::start_writeback(const std::string& name) const {
  const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  ::close(fd);
}

uint64_t PrivateFolder::available_bytes() const {
  struct statvfs s {};
  if (::fstatvfs(fd_, &s) != 0) return UINT64_MAX;  // unknown: never refuse on it
  const auto blocks = ::geteuid() == 0 ? s.f_bfree : s.f_bavail;
  return static_cast<uint64_t>(blocks) * static_cast<uint64_t>(s.f_frsize);
}

}  // namespace minerisk::detail
