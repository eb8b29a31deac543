#pragma once
// tbb::parallel_for with the hand-off to TBB's workers visible to ThreadSanitizer (scripts/tsan).
// Debian's libtbb is not instrumented, so TSan sees none of the synchronisation inside it and
// would report every read of the caller's data by a worker as a race. An atomic release and
// acquire around each body make the edge TBB already guarantees explicit; they cost one atomic
// operation per range, and change nothing else.
#include <atomic>

#include <tbb/parallel_for.h>

namespace minerisk::kernels {

/// tbb::parallel_for(range, body): what the caller wrote before it happens before every body,
/// and every body before what the caller does after it.
template <typename Range, typename Body>
void parallel_for(const Range& range, const Body& body) {
  // Two atomics, so that the bodies synchronise with the caller only, never with one another
  // (which would hide a race between two tiles).
  std::atomic<bool> published{false};
  std::atomic<int> finished{0};
  published.store(true, std::memory_order_release);
  tbb::parallel_for(range, [&](const Range& part) {
    (void)published.load(std::memory_order_acquire);
    body(part);
    finished.fetch_add(1, std::memory_order_release);
  });
  (void)finished.load(std::memory_order_acquire);
}

}  // namespace minerisk::kernels
