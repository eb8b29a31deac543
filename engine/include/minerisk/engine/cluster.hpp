#pragma once
// Running over MPI (README, "Running on a cluster"): `mpirun -np N minerisk run|update|sweep ...`
// takes the same arguments and writes the same output as one process. Rank 0 does everything a
// single process does (checks, locks, plans, writes, commits) and computes tiles too; every other
// rank loads the same inputs and computes the tiles rank 0 hands out one at a time, sending back
// each tile's chunks compressed; rank 0 appends them with direct chunk writes. Built without MPI
// (MINERISK_MPI off), or started without mpirun, the program is one process and none of this runs.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <vector>

namespace minerisk::cluster {

/// Starts MPI when the program was built with it and launched by mpirun or srun; ends it when
/// destroyed. One per program, in main().
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

bool built_with_mpi();
/// The rank mpirun or srun gave this process, from its environment (0 when none): for the
/// subcommands that start no MPI session, which run on rank 0 alone.
int launcher_rank();
/// The number of processes the launcher started (1 when none).
int launcher_size();
int rank();  // 0 in a single process
int size();  // 1 in a single process
inline bool is_worker() { return rank() > 0; }
/// The threads a rank uses when --threads is 0: this machine's cores shared among the ranks on it.
int default_threads(int threads_option);

/// Rank 0, once the program's work is over: tells every other rank the exit code, and returns
/// it. Another rank waits for that word and returns rank 0's code, so that the job's ranks end
/// together with one exit code.
int agree_exit_code(int exit_code);

/// Computes one tile on a worker rank; returns the message rank 0 receives for it.
using ComputeTile = std::function<std::vector<std::byte>(int64_t index)>;
/// Whether the work should stop (a signal, or a progress callback that said so).
using StopRequested = std::function<bool()>;

/// Rank 0: one job's tiles shared among all ranks. `header` goes to every worker first
/// (await_job returns it). Tiles are handed out one at a time, in order, to whichever rank asks
/// (dynamic load balancing: a rank takes its next tile when it has finished one). Tiles for which
/// `remote_ok` is false stay on rank 0 (update's copied tiles). On rank 0, `threads` threads run
/// `local(index)`; each worker's message reaches `remote(rank, bytes)` on the calling thread.
/// `tick` is called once per tile done, anywhere. Returns what each worker sent when it was done
/// (serve_tiles' `result`), in rank order. On the first error of any rank, or when `stop` says
/// so, every rank stops and the error (or Cancelled) is thrown once they all have.
std::vector<std::vector<std::byte>> share_tiles(const std::vector<std::byte>& header, const std::vector<bool>& remote_ok,
                                                int threads, const StopRequested& stop,
                                                const std::function<void(int64_t)>& local,
                                                const std::function<void(int, std::vector<std::byte>)>& remote,
                                                const std::function<void()>& tick);

/// A job as a worker receives it: its number (the same sequence on every rank) and header.
struct Job {
  int id = 0;
  std::vector<std::byte> header;
};
/// A worker: rank 0's next job, or nothing when rank 0 ended without one (an error on its
/// side: the worker then returns, and agree_exit_code gives rank 0's code). Waits through a
/// signal: the worker then reports it in the job (serve_tiles), where rank 0 waits for it.
std::optional<Job> await_job();
/// A worker: computes the tiles of `job` that rank 0 hands out, with `threads` threads, until
/// there are none, then sends `result()` (a sweep's totals; may be empty) as it says it is
/// done. `failed` (an error met before, such as inputs this rank cannot read) is reported to
/// rank 0 at once instead. Never throws: every error goes to rank 0, which reports it.
void serve_tiles(const Job& job, int threads, const StopRequested& stop, const ComputeTile& compute,
                 std::exception_ptr failed = nullptr, const std::function<std::vector<std::byte>()>& result = {});
/// A worker whose command failed before it could serve (a scenario it could not read): takes
/// part in every job rank 0 starts, reporting `error`, until rank 0 ends.
void fail_every_job(std::exception_ptr error);

}  // namespace minerisk::cluster
