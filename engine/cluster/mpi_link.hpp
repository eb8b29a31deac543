#pragma once
// What the MPI side of the cluster shares (internal to engine/cluster): the communicator, the
// message tags of each job, a polite wait (MPI's blocking calls spin a core, which on a machine
// whose cores all compute tiles would slow the job), and byte blocks of any size.
#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace minerisk::cluster::link {

MPI_Comm comm();

// Each job (a share_tiles call and the workers' await_job) has its own tags, so that a message
// of one job can never be taken for one of the next.
enum Kind { kJob, kRequest, kAssign, kResult, kPiece, kFailed, kDone, kStop, kKinds };
constexpr int kFinishTag = 1;
inline int tag(int job, Kind kind) { return 100 + job * kKinds + kind; }
/// The job number: the same sequence on every rank (share_tiles and await_job count it).
int next_job();
int current_job();

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

/// Whether a message with `tag` from `source` waits (MPI_Iprobe); its sender in *from.
bool waiting(int source, int tag, int* from = nullptr);
/// Waits for a request to complete, politely.
void wait(MPI_Request& request);
/// A block of bytes of any size: its length, then pieces of at most 1 GiB (MPI counts are int).
void send_bytes(int dest, int job, Kind kind, const std::vector<std::byte>& bytes);
/// The block whose length message (tag of `kind`) waits from `source`.
std::vector<std::byte> receive_bytes(int source, int job, Kind kind);
/// A small fixed message.
void send_int64(int dest, int tag, int64_t value);
int64_t receive_int64(int source, int tag);
/// A worker: whether rank 0's finish() word has come (it is then kept for finish()).
bool finish_arrived();

}  // namespace minerisk::cluster::link
