// The tile loops allocate a few buffers of some megabytes a tile (a band of values read, the
// values computed, a tile's encoding) and free them when the tile is done. glibc's defaults give
// such buffers back to the kernel on free (each one mmap'ed; a thread's heap trimmed), so the
// next tile's buffers are fresh pages, and every 4 KiB page costs a page fault and its zeroing:
// `minerisk proximity` on 8192^2 cells took 180,000 page faults, a quarter of its CPU time, in
// the kernel. Kept for reuse, they fault once.
//
// The cost: memory freed in buffers under 32 MiB stays with the process (in each thread's
// arena) until it exits, so the resident size stays at its high-water mark. For `run` on a
// 16384^2 grid that was up to 30 MB more at the peak (437-465 against 434 MB), for no gain in
// time (17.5 s either way); so run, update and sweep keep glibc's defaults (main.cpp), and
// the tools, whose buffers are freed tile after tile, keep them for reuse. The Python module
// leaves the interpreter's allocator as it is.
#include "allocator.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace minerisk::cli {

void keep_freed_buffers_for_reuse() {
#if defined(__GLIBC__)
  // Buffers up to 32 MiB (the largest threshold glibc takes on 64-bit systems) come from the
  // heap, and a heap's free top goes back to the kernel only beyond 1 GiB. mallopt returns 0
  // when it refuses a value (a 32-bit glibc caps the threshold lower): then glibc's defaults
  // stay, which only costs the page faults above; so the calls are tried one at a time.
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 0) mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace minerisk::cli
