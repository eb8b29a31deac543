// The tile loops allocate a few buffers of some megabytes a tile (a band of values read, the
// values computed, a tile's encoding) and free them when the tile is done. glibc's defaults give
// such buffers back to the kernel on free (each one mmap'ed; a thread's heap trimmed), so the
// next tile's buffers are fresh pages, and every 4 KiB page costs a page fault and its zeroing:
// `minerisk proximity` on 8192^2 cells took 180,000 page faults, a quarter of its CPU time, in
// the kernel. Kept for reuse, they fault once. The cost is that memory freed stays with the
// process until it exits; its peak is what it was (the tools' peaks were measured unchanged).
#include "allocator.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace minerisk::cli {

void keep_freed_buffers_for_reuse() {
#if defined(__GLIBC__)
  // Buffers up to 32 MiB (glibc's largest threshold for heap allocation) come from the heap...
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // ...and a heap's free top goes back to the kernel only beyond 1 GiB.
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace minerisk::cli
