// The cluster interface of a program built without MPI (MINERISK_MPI off): always one process,
// rank 0 of 1, so GridOutput and sweep never share tiles and no worker path is taken.
#include <stdexcept>

#include <tbb/info.h>

#include "minerisk/engine/cluster.hpp"

namespace minerisk::cluster {

Session::Session(int*, char***) {}
Session::~Session() = default;
bool built_with_mpi() { return false; }
int rank() { return 0; }
int size() { return 1; }
int default_threads(int threads_option) { return threads_option > 0 ? threads_option : tbb::info::default_concurrency(); }
int agree_exit_code(int exit_code) { return exit_code; }

namespace {
[[noreturn]] void single() { throw std::logic_error("minerisk was built without MPI: there are no other ranks"); }
}  // namespace

std::vector<std::vector<std::byte>> share_tiles(const std::vector<std::byte>&, const std::vector<bool>&, int,
                                                const StopRequested&, const std::function<void(int64_t)>&,
                                                const std::function<void(int, std::vector<std::byte>)>&,
                                                const std::function<void()>&) {
  single();
}
std::optional<Job> await_job() { single(); }
void serve_tiles(const Job&, int, const StopRequested&, const ComputeTile&, std::exception_ptr,
                 const std::function<std::vector<std::byte>()>&) {
  single();
}
void fail_every_job(std::exception_ptr) { single(); }

}  // namespace minerisk::cluster
