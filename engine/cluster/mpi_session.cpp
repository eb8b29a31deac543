// The MPI session: started only when mpirun or srun launched the program (a plain `minerisk
// run` never touches MPI, so it starts as fast as ever), at MPI_THREAD_FUNNELED: only each
// rank's main thread calls MPI, its other threads compute.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include <tbb/info.h>

#include "minerisk/engine/cluster.hpp"
#include "mpi_link.hpp"

namespace minerisk::cluster {

namespace {
bool g_started = false;
int g_rank = 0, g_size = 1, g_local_size = 1;
MPI_Comm g_comm = MPI_COMM_NULL;
int g_job = -1;
std::optional<int> g_finish_code;  // a worker: rank 0's exit code, once received

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
  MPI_Comm_dup(MPI_COMM_WORLD, &g_comm);
  MPI_Comm_rank(g_comm, &g_rank);
  MPI_Comm_size(g_comm, &g_size);
  MPI_Comm local;
  MPI_Comm_split_type(g_comm, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &g_local_size);
  MPI_Comm_free(&local);
}

Session::~Session() {
  if (!g_started) return;
  MPI_Comm_free(&g_comm);
  MPI_Finalize();
}

bool built_with_mpi() { return true; }
int rank() { return g_rank; }
int size() { return g_size; }

int default_threads(int threads_option) {
  if (threads_option > 0) return threads_option;
  return std::max(1, tbb::info::default_concurrency() / std::max(1, g_local_size));
}

namespace link {
MPI_Comm comm() { return g_comm; }
int next_job() { return ++g_job; }
int current_job() { return g_job; }

bool waiting(int source, int tag, int* from) {
  int flag = 0;
  MPI_Status status;
  MPI_Iprobe(source, tag, g_comm, &flag, &status);
  if (flag && from) *from = status.MPI_SOURCE;
  return flag != 0;
}

void wait(MPI_Request& request) {
  Backoff backoff;
  for (;;) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    backoff.idle();
  }
}

constexpr size_t kPieceBytes = size_t{1} << 30;

void send_bytes(int dest, int job, Kind kind, const std::vector<std::byte>& bytes) {
  send_int64(dest, tag(job, kind), static_cast<int64_t>(bytes.size()));
  for (size_t at = 0; at < bytes.size(); at += kPieceBytes) {
    const size_t n = std::min(kPieceBytes, bytes.size() - at);
    MPI_Request request;
    MPI_Isend(bytes.data() + at, static_cast<int>(n), MPI_BYTE, dest, tag(job, kPiece), g_comm, &request);
    wait(request);
  }
}

std::vector<std::byte> receive_bytes(int source, int job, Kind kind) {
  const int64_t length = receive_int64(source, tag(job, kind));
  std::vector<std::byte> bytes(static_cast<size_t>(length));
  for (size_t at = 0; at < bytes.size(); at += kPieceBytes) {
    const size_t n = std::min(kPieceBytes, bytes.size() - at);
    MPI_Request request;
    MPI_Irecv(bytes.data() + at, static_cast<int>(n), MPI_BYTE, source, tag(job, kPiece), g_comm, &request);
    wait(request);
  }
  return bytes;
}

void send_int64(int dest, int tag, int64_t value) {
  MPI_Request request;
  MPI_Isend(&value, 1, MPI_INT64_T, dest, tag, g_comm, &request);
  wait(request);
}

int64_t receive_int64(int source, int tag) {
  int64_t value = 0;
  MPI_Request request;
  MPI_Irecv(&value, 1, MPI_INT64_T, source, tag, g_comm, &request);
  wait(request);
  return value;
}
}  // namespace link

int finish(int exit_code) {
  if (g_size == 1) return exit_code;
  if (g_rank == 0) {
    for (int r = 1; r < g_size; ++r) link::send_int64(r, link::kFinishTag, exit_code);
    return exit_code;
  }
  if (!g_finish_code) g_finish_code = static_cast<int>(link::receive_int64(0, link::kFinishTag));
  return *g_finish_code;
}

namespace link {
// await_job's side of finish(): rank 0 ended before the job's header came.
bool finish_arrived() {
  if (g_finish_code) return true;
  if (!waiting(0, kFinishTag)) return false;
  g_finish_code = static_cast<int>(receive_int64(0, kFinishTag));
  return true;
}
}  // namespace link

}  // namespace minerisk::cluster
