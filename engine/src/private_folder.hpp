#pragma once
// The POSIX side of OutputSet: a private folder for a command's temporaries inside an output
// folder, and the removal of such folders left by dead processes. Internal to the engine.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace minerisk::detail {

/// A file's identity: the same file has the same pair whatever the path or link to it.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

/// The prefix of every private folder's name; the rest is `<pid>-XXXXXX`.
inline constexpr const char* kPrivatePrefix = ".minerisk-";

class PrivateFolder {
 public:
  /// Removes stale private folders in `folder`, then makes a new one there (mode 0700) and
  /// holds an exclusive flock on it while this object lives: a folder whose lock can be taken
  /// belongs to no running process, even one in another PID namespace. UserError ("cannot
  /// write in folder") when the folder refuses it.
  explicit PrivateFolder(const std::filesystem::path& folder);
  /// Removes the folder and every file in it.
  ~PrivateFolder();
  PrivateFolder(const PrivateFolder&) = delete;
  PrivateFolder& operator=(const PrivateFolder&) = delete;

  /// Creates the empty file `name` in the folder (O_CREAT | O_EXCL | O_NOFOLLOW) and returns
  /// the path for libraries that open files by name (HDF5, GDAL). When the output folder lets
  /// another user rename our private folder away (writable by others without the sticky bit,
  /// or owned by another user), the path goes through /proc/self/fd, which always names the
  /// folder this process made; otherwise it is the plain path, which reads better in messages.
  std::filesystem::path create_file(const std::string& name) const;
  /// Flushes file `name` to the disk (fsync); false with errno set on failure.
  bool sync_file(const std::string& name) const;
  /// Starts writing file `name`'s changed pages to the disk without waiting for them
  /// (sync_file_range): a later sync_file() then waits for less. Advice only: failures are ignored.
  void start_writeback(const std::string& name) const;

  int fd() const { return fd_; }
  int parent_fd() const { return parent_fd_; }
  const std::filesystem::path& folder() const { return folder_; }
  /// The folder's free space for this user (root may use the blocks reserved for it).
  uint64_t available_bytes() const;

 private:
  std::filesystem::path folder_;  // the output folder, as given
  std::string name_;              // our folder's name in it
  std::filesystem::path base_;    // the path handed out for files in our folder
  int parent_fd_ = -1, fd_ = -1;
};

/// Removes the private folders in the folder open as `parent_fd` whose process is dead
/// (kill(pid, 0) fails with ESRCH) and whose lock is free: only directories (never links)
/// owned by this user, named `.minerisk-<pid>-XXXXXX`, holding plain files. Best effort:
/// anything unexpected is left alone.
void remove_stale_private_folders(int parent_fd);

}  // namespace minerisk::detail
