#pragma once
// A commit in progress, recorded in each private folder before its outputs are renamed into
// place. A process killed outright (SIGKILL, the OOM killer) between two of those renames would
// leave some outputs new and some old, a grid beside another run's picture; the previous files
// wait in the private folder as previous-K. The next command that removes the dead process's
// folder reads the record and puts them back, so the outputs are all the old ones. Internal to
// the engine (OutputSet and PrivateFolder).
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "private_folder.hpp"

namespace minerisk::detail {

/// One output of the commit: its name in the output folder, the name of its previous file's
/// hard link in the private folder, whether a previous file stood there, and the new file.
struct CommitEntry {
  std::string name;
  std::string backup;
  bool had_previous = false;
  FileId new_file;
  // With the identity, the new file's size and modification time (which a rename keeps): a
  // file made after the kill may get the freed inode number again (ext4 reuses it at once).
  int64_t size = 0, mtime_ns = 0;
};

/// The entry's identity fields of the file described by `st`.
void describe_new_file(CommitEntry& entry, const struct stat& st);

/// Writes the record (file `commit` in the private folder open as `folder_fd`) and flushes it.
/// Best effort: false if it could not be written (a full disk), and the commit goes on without.
bool write_commit_record(int folder_fd, const std::vector<CommitEntry>& entries);

/// Removes the record: the commit is complete (or was undone by the committing process itself).
void remove_commit_record(int folder_fd);

/// In a dead process's private folder holding a record: for each output whose new file now
/// stands at its name (the same file, not one put there since), the previous file is renamed
/// back over it, or the new file is removed when there was none (the same file: device, inode,
/// size and modification time). An output whose previous file
/// had no link to restore keeps the new one. Then the record is removed.
void roll_back_commit(int parent_fd, int folder_fd);

}  // namespace minerisk::detail
