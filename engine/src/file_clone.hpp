#pragma once
// A whole file copied into another as cheaply as the file system allows: `update` starts its
// new output from a copy of the previous one and rewrites only the tiles that changed.
#include <atomic>
#include <filesystem>

namespace minerisk {

/// How clone_file copied: a reflink (FICLONE: the copy shares the blocks until either file is
/// written; XFS, btrfs), the kernel's copy (copy_file_range: no pass through this process), or
/// reads and writes (where neither is possible).
enum class CloneMethod { reflink, kernel_copy, read_write };
const char* clone_method_name(CloneMethod method);

/// Copies every byte of the file open at descriptor `from` (from offset 0; its file position is
/// neither used nor moved) into `to`, an existing file this process made in its private folder
/// (opened without following a link, and truncated first). A copy is made in steps, `cancel`
/// checked between them (Cancelled). A failure throws std::runtime_error with the system's reason.
CloneMethod clone_file(int from, const std::filesystem::path& to, const std::atomic<bool>* cancel);

}  // namespace minerisk
