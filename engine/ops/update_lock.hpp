#pragma once
// One update of an output at a time: an advisory lock (flock) on OUT.nc.lock beside the
// output; a run of an output that has one takes it too. The kernel drops it when the process
// ends, however it ends, so a killed update never leaves a stale lock; the file itself stays
// (removing it would race with a waiting process).
// Internal to engine/ops.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace minerisk::ops {

class UpdateLock {
 public:
  /// Takes the lock of `output`. Held by another process: throws Busy naming it, or, with
  /// `wait`, waits for it (checking `cancel`, so Ctrl-C still stops the wait).
  /// `on_wait` is called once when waiting starts, with what the holder wrote in the file.
  UpdateLock(const std::filesystem::path& output, bool wait, const std::atomic<bool>* cancel,
             const std::function<void(const std::string& holder)>& on_wait = {});
  ~UpdateLock();
  UpdateLock(const UpdateLock&) = delete;
  UpdateLock& operator=(const UpdateLock&) = delete;

  /// For `run`, which replaces the output whole: the lock of an output `update` has locked
  /// before (its lock file exists), so that neither commits over the other's result unseen.
  /// nullptr when there is no lock file (none is made). Held: throws Busy naming the holder.
  static std::unique_ptr<UpdateLock> for_run(const std::filesystem::path& output);

  static std::filesystem::path path_for(const std::filesystem::path& output);

  /// Throws Busy when another program has `output` open for writing: HDF5 holds an exclusive
  /// lock (flock) on a file it writes, and refuses to open it meanwhile, which would otherwise
  /// read as "not an HDF5 file" (and --overwrite would replace a file someone is writing).
  static void refuse_if_written_elsewhere(const std::filesystem::path& output);

 private:
  explicit UpdateLock(int fd) : fd_(fd) {}
  // Takes the lock on the open file, waiting for it when `wait` (told once through `on_wait`,
  // ended by `cancel`), else throwing Busy ending with `busy_advice`; then writes the note a
  // waiting process prints: "pid N (`command`) since TIME".
  void acquire(const std::filesystem::path& output, bool wait, const std::string& busy_advice,
               const std::atomic<bool>* cancel, const std::function<void(const std::string&)>& on_wait,
               const std::string& command);

  int fd_ = -1;
};

}  // namespace minerisk::ops
