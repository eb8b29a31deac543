#pragma once
// What the MPI side of the cluster shares (internal to engine/cluster): the communicator, the
// message tags of each job, a polite wait (MPI's blocking calls spin a core, which on a machine
// whose cores all compute tiles would slow the job), and byte blocks of any size.
#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace minerisk::cluster::link {

MPI_Comm comm();

// Each job (a share_tiles call and the workers' await_job) has its own tags, so that a message
// of one job can never be taken for one of the next; each kind of message a tag of its own
// within the job, a block's pieces included, so that the pieces of one kind never match
// another's receive. Below kFirstJobTag: the tags outside any job.
enum Kind {
  kJob,          // rank 0 -> worker: the job's header
  kRequest,      // worker -> rank 0: a tile, please
  kAssign,       // rank 0 -> worker: this tile (-1: none left)
  kResult,       // worker -> rank 0: a finished tile (length; its pieces under kResultPiece)
  kResultPiece,
  kFailed,       // worker -> rank 0: an error (length, then kFailedPiece)
  kFailedPiece,
  kDone,         // worker -> rank 0: done, with its result (length, then kDonePiece)
  kDonePiece,
  kStop,         // rank 0 -> worker: stop now
  kJobPiece,
  kKinds
};
constexpr int kExitCodeTag = 1;  // rank 0 -> workers, at the end: the job's exit code
constexpr int kFirstJobTag = 100;
inline int tag(int job, Kind kind) { return kFirstJobTag + job * kKinds + kind; }
/// The job and kind of a tag; false for a tag outside any job.
bool job_and_kind(int tag, int* job, Kind* kind);
/// The next job's number: the same sequence on every rank (share_tiles and await_job count it).
int next_job();

/// Sleeps a little longer each time nothing happened, from 20 us to 1 ms.
class Backoff {
 public:
  void idle() {
    std::this_thread::sleep_for(std::chrono::microseconds(pause_));
    pause_ = pause_ >= 1000 ? 1000 : pause_ * 2;
  }
  void active() { pause_ = 20; }

 private:
  int pause_ = 20;
};

/// Whether a message with `tag` from `source` is waiting (MPI_Iprobe); its status in *status.
bool message_waiting(int source, int tag, MPI_Status* status = nullptr);
/// Waits for a request to complete, politely. On a worker, rank 0's exit code arriving
/// meanwhile means rank 0 has given up on this job (a signal): the worker ends at once with it.
/// On rank 0 during a job, see GiveUpWaitsOnStop.
void wait(MPI_Request& request);

/// Rank 0, while share_tiles runs: a wait still unfinished a quarter of a second after `stop`
/// first said so throws Cancelled. When a rank dies, Open MPI's mpirun signals rank 0 (SIGTERM,
/// then SIGKILL a second later); had the dead rank been half-way through sending a tile, the
/// rest would never come, and rank 0 would wait until killed, leaving its staging folder
/// behind instead of cleaning up. Only a stop starts the clock (under MPI, only a signal: the
/// command line's progress callbacks never ask to stop), so a normal run's messages take the
/// time they need. The request given up stays pending, and its buffer is kept for the rest of
/// the process (the transfer may still complete into it), but for a job's header, the
/// caller's, which a send only reads. Then the exit code goes to each worker only if it takes
/// it within a moment (agree_exit_code), and rank 0 skips MPI_Finalize, which would wait for
/// the request and for a dead rank.
class GiveUpWaitsOnStop {
 public:
  explicit GiveUpWaitsOnStop(const std::function<bool()>& stop);
  ~GiveUpWaitsOnStop();
  GiveUpWaitsOnStop(const GiveUpWaitsOnStop&) = delete;
  GiveUpWaitsOnStop& operator=(const GiveUpWaitsOnStop&) = delete;
};
/// A block of bytes of any size: its length, then pieces of at most 1 GiB (MPI counts are int).
/// `kind` is the length's kind; the pieces go under the kind after it.
void send_bytes(int dest, int job, Kind kind, const std::vector<std::byte>& bytes);
/// The block whose length message (tag of `kind`) waits from `source`.
std::vector<std::byte> receive_bytes(int source, int job, Kind kind);
/// A small fixed message.
void send_int64(int dest, int tag, int64_t value);
int64_t receive_int64(int source, int tag);
/// Receives and drops whatever message `status` describes (a late one of a job that ended).
void discard(const MPI_Status& status);
/// A worker: whether rank 0's exit code has come (it is then kept for agree_exit_code).
bool exit_code_arrived();

}  // namespace minerisk::cluster::link
