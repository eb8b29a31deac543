#pragma once
// How the command-line program's memory allocator keeps what is freed.

namespace minerisk::cli {

/// Tells glibc's malloc to keep freed buffers of up to 32 MiB for reuse instead of handing them
/// back to the kernel (allocator.cpp says why, what it costs, and for which commands). Call
/// once, first thing in main. Not for the Python module: an interpreter's allocator is its
/// host's to tune.
void keep_freed_buffers_for_reuse();

}  // namespace minerisk::cli
