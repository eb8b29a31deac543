#include "update_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/provenance.hpp"

namespace fs = std::filesystem;

namespace minerisk::ops {

namespace {
// What the holder wrote: its pid and when it started.
std::string holder_of(int fd) {
  char text[200] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string s = n > 0 ? std::string(text, static_cast<size_t>(n)) : std::string("another process");
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s.empty() ? "another process" : s;
}

// Replaces the lock file's note with `note` ("" clears it). The note is a courtesy to a waiting
// process: the lock holds without it, so a lock file it cannot write (read-only) is no error.
void replace_note(int fd, const std::string& note) {
  if (::ftruncate(fd, 0) != 0 || note.empty()) return;
  [[maybe_unused]] const ssize_t written = ::pwrite(fd, note.data(), note.size(), 0);  // a failed or short write: the lock holds
}
}  // namespace

void UpdateLock::refuse_if_written_elsewhere(const fs::path& output) {
  // O_NONBLOCK: a FIFO by that name must not hold the update here waiting for a writer.
  const int fd = ::open(output.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;  // nothing there (or a link, refused later): nothing to ask
  // A shared lock is refused only while someone holds the exclusive one (a writer); it is
  // dropped at once, with the descriptor.
  const bool written = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  if (written)
    throw Busy("'" + output.string() + "' is open for writing in another program (it holds HDF5's lock on the " +
               "file); close it there, then update again");
}

fs::path UpdateLock::path_for(const fs::path& output) {
  fs::path lock = output;
  lock += ".lock";
  return lock;
}

namespace {
// The lock file of `output`, opened never through a link: a planted link would make this
// process create or truncate its target. Read-only when another user made it: flock needs no
// write access, only the note does. Not `create`d: -1 when there is none that can be opened.
int open_lock_file(const fs::path& path, bool create) {
  int fd = ::open(path.c_str(), O_RDWR | (create ? O_CREAT : 0) | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EACCES) {
    fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    // No lock to read either: the folder is not writable, which is what to name.
    if (fd < 0 && errno == ENOENT) errno = EACCES;
  }
  if (fd < 0 && !create) return -1;
  if (fd < 0)
    throw UserError("'" + path.string() + "': cannot open the update lock (" + std::strerror(errno) +
                    "); check the folder's permissions, and that it is not a link");
  // A hard link to another file, or a file that holds something else, is never written to.
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
      (st.st_size > 0 && holder_of(fd).rfind("pid ", 0) != 0)) {
    ::close(fd);
    throw UserError("'" + path.string() + "' is not an update lock of minerisk (another file, or a link to one); "
                    "remove it or choose another output name");
  }
  return fd;
}
}  // namespace

UpdateLock::UpdateLock(const fs::path& output, bool wait, const std::atomic<bool>* cancel,
                       const std::function<void(const std::string&)>& on_wait)
    : fd_(open_lock_file(path_for(output), true)) {
  acquire(output, wait, "; try again later, or use --wait", cancel, on_wait, "minerisk update");
}

std::unique_ptr<UpdateLock> UpdateLock::for_run(const fs::path& output) {
  int fd = -1;
  try {
    fd = open_lock_file(path_for(output), false);
  } catch (const UserError&) {
    // No update's lock (a hard link left by a backup, another program's file): none to take. An
    // update refuses it, and a run, which never writes to it, is not held back by it.
    return nullptr;
  }
  if (fd < 0) return nullptr;  // never updated: nothing to wait for, and no lock file to add
  std::unique_ptr<UpdateLock> lock(new UpdateLock(fd));
  lock->acquire(output, false, "; run again when it has finished", nullptr, {}, "minerisk run");
  return lock;
}

void UpdateLock::acquire(const fs::path& output, bool wait, const std::string& busy_advice,
                         const std::atomic<bool>* cancel, const std::function<void(const std::string&)>& on_wait,
                         const std::string& command) {
  bool told = false;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      throw UserError("'" + path_for(output).string() + "': cannot lock (" + why + ")");
    }
    const std::string holder = holder_of(fd_);
    if (!wait) {
      ::close(fd_);
      fd_ = -1;
      throw Busy("'" + output.string() + "' is being written by " + holder + busy_advice);
    }
    if (!told && on_wait) on_wait(holder);
    told = true;
    if (cancel && cancel->load()) {
      ::close(fd_);
      fd_ = -1;
      throw Cancelled();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  replace_note(fd_, "pid " + std::to_string(::getpid()) + " (" + command + ") since " + utc_now_iso8601() + "\n");
}

UpdateLock::~UpdateLock() {
  if (fd_ < 0) return;
  // The note goes with the lock: a later holder that writes none (another program's flock) was
  // named by the pid of an update long finished. Cleared while still held; a read-only lock
  // file keeps its note, which the next holder replaces.
  replace_note(fd_, "");
  ::close(fd_);  // closing the descriptor releases the lock
}

}  // namespace minerisk::ops
