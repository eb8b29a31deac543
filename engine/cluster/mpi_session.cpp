// The MPI session and its messages: started only when mpirun or srun launched the program (a
// plain `minerisk run` never touches MPI, so it starts as fast as ever), at
// MPI_THREAD_FUNNELED: only each rank's main thread calls MPI, its other threads compute.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <tbb/info.h>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "mpi_link.hpp"

namespace minerisk::cluster {

namespace {
bool g_started = false;
int g_rank = 0, g_size = 1, g_local_size = 1;
MPI_Comm g_comm = MPI_COMM_NULL;
int g_job = -1;
std::optional<int> g_exit_code;  // a worker: rank 0's exit code, once received
const std::function<bool()>* g_give_up_on = nullptr;  // rank 0 in share_tiles: its stop
bool g_abandoned = false;  // rank 0 gave up a wait (GiveUpWaitsOnStop): no MPI_Finalize

// mpirun (Open MPI, MPICH's hydra) and Slurm's srun set these in every rank's environment.
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}
}  // namespace

Session::Session(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI could not be started");
  g_started = true;
  if (provided < MPI_THREAD_FUNNELED)
    throw std::runtime_error("this MPI library does not allow threads beside MPI (MPI_THREAD_FUNNELED)");
  MPI_Comm_dup(MPI_COMM_WORLD, &g_comm);
  MPI_Comm_rank(g_comm, &g_rank);
  MPI_Comm_size(g_comm, &g_size);
  MPI_Comm local;
  MPI_Comm_split_type(g_comm, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &g_local_size);
  MPI_Comm_free(&local);
}

Session::~Session() {
  // After a wait rank 0 gave up, MPI_Finalize would wait for that request, and for the rank
  // that may be dead: rank 0 ends without it (Open MPI then says so; the job was ending).
  if (!g_started || g_abandoned) return;
  if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
  MPI_Finalize();
}

bool built_with_mpi() { return true; }
int rank() { return g_rank; }
int size() { return g_size; }

int default_threads(int threads_option) {
  if (threads_option > 0) return threads_option;
  // oneTBB counts the cores this process may run on. A rank bound to some of the machine's
  // cores (mpirun binds each rank to one core for -np 2 or less, to a socket beyond; srun to
  // its --cpus-per-task) uses those; an unbound one shares the machine with its neighbours.
  const int allowed = tbb::info::default_concurrency();
  const auto machine = static_cast<int>(std::thread::hardware_concurrency());
  if (allowed < machine) return std::max(1, allowed);
  return std::max(1, allowed / std::max(1, g_local_size));
}

namespace link {
MPI_Comm comm() { return g_comm; }
int next_job() { return ++g_job; }

bool job_and_kind(int tag, int* job, Kind* kind) {
  if (tag < kFirstJobTag) return false;
  *job = (tag - kFirstJobTag) / kKinds;
  *kind = static_cast<Kind>((tag - kFirstJobTag) % kKinds);
  return true;
}

bool message_waiting(int source, int tag, MPI_Status* status) {
  int flag = 0;
  MPI_Status ignored;
  MPI_Iprobe(source, tag, g_comm, &flag, status ? status : &ignored);
  return flag != 0;
}

namespace {
// Rank 0's exit code, if it has come: checked directly, not through wait() (which checks it).
bool take_exit_code() {
  if (g_exit_code) return true;
  if (!message_waiting(0, kExitCodeTag)) return false;
  int64_t code = 0;
  MPI_Recv(&code, 1, MPI_INT64_T, 0, kExitCodeTag, g_comm, MPI_STATUS_IGNORE);
  g_exit_code = static_cast<int>(code);
  return true;
}

// Long enough for a message to or from a live worker to finish (a small one completes at once),
// short enough to clean up within the second mpirun leaves between SIGTERM and SIGKILL.
constexpr std::chrono::milliseconds kGraceAfterStop{250};
using Clock = std::chrono::steady_clock;
std::optional<Clock::time_point> g_stop_seen;  // rank 0: when a wait first saw the stop

// Waits for `request` politely; false when `deadline` came first (the request still pending).
bool wait_for(MPI_Request& request, bool give_up_when_rank0_ended,
              Clock::time_point deadline = Clock::time_point::max()) {
  Backoff backoff;
  for (;;) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return true;
    // Rank 0 ended the job without this message (it was stopped by a signal and could not
    // wait): nothing more will come, so this rank ends with rank 0's code rather than hang.
    if (give_up_when_rank0_ended && g_rank > 0 && take_exit_code()) std::_Exit(*g_exit_code);
    // The grace runs from the first wait that saw the stop, so that the waits after it (a
    // stop message to each worker) cannot add up past mpirun's second.
    if (g_rank == 0 && g_give_up_on && *g_give_up_on && (*g_give_up_on)()) {
      if (!g_stop_seen) g_stop_seen = Clock::now();
      if (Clock::now() - *g_stop_seen >= kGraceAfterStop) {
        g_abandoned = true;
        throw Cancelled();
      }
    }
    if (deadline != Clock::time_point::max() && Clock::now() >= deadline) return false;
    backoff.idle();
  }
}

// A buffer whose transfer rank 0 gave up (GiveUpWaitsOnStop) stays allocated for the rest of
// the process: the transfer may still complete into it, as late as MPI's next call.
template <class Buffer>
void wait_keeping(MPI_Request& request, Buffer& buffer) {
  try {
    wait_for(request, true);
  } catch (const Cancelled&) {
    (void)new Buffer(std::move(buffer));  // never freed, on purpose (a vector keeps its storage)
    throw;
  }
}

Kind piece_of(Kind kind) {
  switch (kind) {
    case kJob: return kJobPiece;
    case kResult: return kResultPiece;
    case kFailed: return kFailedPiece;
    case kDone: return kDonePiece;
    default: throw std::logic_error("send_bytes: no pieces for this kind of message");
  }
}

constexpr size_t kPieceBytes = size_t{1} << 30;
}  // namespace

void wait(MPI_Request& request) { (void)wait_for(request, true); }

GiveUpWaitsOnStop::GiveUpWaitsOnStop(const std::function<bool()>& stop) { g_give_up_on = &stop; }
GiveUpWaitsOnStop::~GiveUpWaitsOnStop() { g_give_up_on = nullptr; }

void send_bytes(int dest, int job, Kind kind, const std::vector<std::byte>& bytes) {
  send_int64(dest, tag(job, kind), static_cast<int64_t>(bytes.size()));
  for (size_t at = 0; at < bytes.size(); at += kPieceBytes) {
    const size_t n = std::min(kPieceBytes, bytes.size() - at);
    MPI_Request request;
    MPI_Isend(bytes.data() + at, static_cast<int>(n), MPI_BYTE, dest, tag(job, piece_of(kind)), g_comm, &request);
    wait(request);
  }
}

std::vector<std::byte> receive_bytes(int source, int job, Kind kind) {
  const int64_t length = receive_int64(source, tag(job, kind));
  std::vector<std::byte> bytes(static_cast<size_t>(length));
  for (size_t at = 0; at < bytes.size(); at += kPieceBytes) {
    const size_t n = std::min(kPieceBytes, bytes.size() - at);
    MPI_Request request;
    MPI_Irecv(bytes.data() + at, static_cast<int>(n), MPI_BYTE, source, tag(job, piece_of(kind)), g_comm, &request);
    wait_keeping(request, bytes);
  }
  return bytes;
}

// On the heap, so that a transfer given up keeps its buffer (wait_keeping).
void send_int64(int dest, int tag, int64_t value) {
  auto buffer = std::make_unique<int64_t>(value);
  MPI_Request request;
  MPI_Isend(buffer.get(), 1, MPI_INT64_T, dest, tag, g_comm, &request);
  wait_keeping(request, buffer);
}

int64_t receive_int64(int source, int tag) {
  auto buffer = std::make_unique<int64_t>(0);
  MPI_Request request;
  MPI_Irecv(buffer.get(), 1, MPI_INT64_T, source, tag, g_comm, &request);
  wait_keeping(request, buffer);
  return *buffer;
}

void discard(const MPI_Status& status) {
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<std::byte> bytes(static_cast<size_t>(std::max(count, 0)));
  MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, g_comm, MPI_STATUS_IGNORE);
}

bool exit_code_arrived() { return take_exit_code(); }
}  // namespace link

int agree_exit_code(int exit_code) {
  if (g_size == 1) return exit_code;
  if (g_rank == 0) {
    // After a wait given up, a worker may be dead: each is told within a moment, or not at all
    // (a message it never takes stays pending, with its buffer).
    using link::Clock;
    const Clock::time_point deadline =
        g_abandoned ? Clock::now() + link::kGraceAfterStop : Clock::time_point::max();
    for (int r = 1; r < g_size; ++r) {
      auto code = std::make_unique<int64_t>(exit_code);
      MPI_Request request;
      MPI_Isend(code.get(), 1, MPI_INT64_T, r, link::kExitCodeTag, g_comm, &request);
      if (!link::wait_for(request, false, deadline)) (void)code.release();
    }
    return exit_code;
  }
  link::Backoff backoff;
  while (!link::take_exit_code()) backoff.idle();
  return *g_exit_code;
}

}  // namespace minerisk::cluster
