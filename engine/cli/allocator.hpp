#pragma once
// How the program's memory allocator keeps what is freed.

namespace minerisk::cli {

/// Tells glibc's malloc to keep freed buffers of up to 32 MiB for reuse instead of handing them
/// back to the kernel (see allocator.cpp for why). Call once, first thing in main.
void keep_freed_buffers_for_reuse();

}  // namespace minerisk::cli
