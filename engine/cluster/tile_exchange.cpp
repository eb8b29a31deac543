// Sharing a job's tiles among MPI ranks (see cluster.hpp). Rank 0's main thread serves: it hands
// out tiles on request (in the order of tile_queue.hpp), receives finished tiles and gives them to the writer, while its other
// threads compute tiles of their own. A worker's main thread asks for tiles (keeping two per
// thread in hand, so none waits for the next), and sends back each one its threads finish.
// Either side stops on the first error; rank 0 then tells the workers and waits until each has
// said it is done, so that no message is left half-way.
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "mpi_link.hpp"
#include "runners.hpp"
#include "tile_queue.hpp"

namespace minerisk::cluster {

using namespace link;

namespace {

// An error as it travels: the exit code it means, then its message.
std::vector<std::byte> error_message(std::exception_ptr error) {
  int64_t code = kExitInternal;
  std::string text;
  try {
    std::rethrow_exception(error);
  } catch (const UserError& e) {
    code = kExitUserError, text = e.what();
  } catch (const Cancelled& e) {
    code = kExitInterrupted, text = e.what();
  } catch (const std::exception& e) {
    text = e.what();
  } catch (...) {
    text = "an unknown error";
  }
  // Where it happened: a rank's inputs may be another node's disk.
  if (code != kExitInterrupted) text = "rank " + std::to_string(rank()) + ": " + text;
  std::vector<std::byte> bytes(sizeof code + text.size());
  std::memcpy(bytes.data(), &code, sizeof code);
  std::memcpy(bytes.data() + sizeof code, text.data(), text.size());
  return bytes;
}

std::exception_ptr error_of(const std::vector<std::byte>& bytes) {
  int64_t code = kExitInternal;
  const size_t head = std::min(bytes.size(), sizeof code);
  if (head > 0) std::memcpy(&code, bytes.data(), head);
  const std::string text(reinterpret_cast<const char*>(bytes.data()) + head, bytes.size() - head);
  if (code == kExitUserError) return std::make_exception_ptr(UserError(text));
  if (code == kExitInterrupted) return std::make_exception_ptr(Cancelled());
  return std::make_exception_ptr(std::runtime_error(text));
}

bool stop_requested(const StopRequested& stop) { return stop && stop(); }

// Test hook: MINERISK_TEST_DIE_SENDING_TILE set, a worker sends its first tile's length and
// dies (SIGKILL) before the tile's bytes, as a node lost half-way through a message.
void test_hook_die_sending_tile(int job, const std::vector<std::byte>& bytes) {
  if (!std::getenv("MINERISK_TEST_DIE_SENDING_TILE")) return;
  send_int64(0, tag(job, kResult), static_cast<int64_t>(bytes.size()));
  std::raise(SIGKILL);
}

}  // namespace

std::vector<std::vector<std::byte>> share_tiles(const std::vector<std::byte>& header, const std::vector<bool>& remote_ok,
                                                int threads, const StopRequested& stop,
                                                const std::function<void(int64_t)>& local,
                                                const std::function<void(int, std::vector<std::byte>)>& remote,
                                                const std::function<void()>& tick) {
  const GiveUpWaitsOnStop give_up(stop);  // a dead worker's message does not hold rank 0 back
  const int job = next_job();
  for (int r = 1; r < size(); ++r) send_bytes(r, job, kJob, header);

  TileQueue queue(remote_ok, size());
  std::atomic<int64_t> supplied{0};
  Runners runners(threads, [&] { return queue.next(0); }, [&](int64_t i) {
    local(i);
    ++supplied;
    tick();
  });

  std::exception_ptr error;
  bool told_to_stop = false;
  int workers_done = 0;
  std::vector<bool> done(static_cast<size_t>(size()), false);
  std::vector<std::vector<std::byte>> results(static_cast<size_t>(size() - 1));
  Backoff backoff;
  try {
    while (workers_done < size() - 1 || !runners.all_ended()) {
      if (!error && runners.failed()) {
        runners.stop();
        error = runners.join();
      }
      const bool signalled = stop_requested(stop);
      if (signalled && !error) error = std::make_exception_ptr(Cancelled());
      if (error && !told_to_stop) {
        runners.stop();
        for (int r = 1; r < size(); ++r)
          if (!done[static_cast<size_t>(r)]) send_int64(r, tag(job, kStop), 0);
        told_to_stop = true;
      }
      // A signal: clean up at once rather than wait for the workers (mpirun signals them too, or
      // stops them; a worker left waiting gives up when rank 0's exit code comes).
      if (signalled) break;
      // One probe for any message: a sender's messages are then taken in the order it sent them
      // (its last tile before its "done").
      MPI_Status status;
      if (!message_waiting(MPI_ANY_SOURCE, MPI_ANY_TAG, &status)) {
        backoff.idle();
        continue;
      }
      backoff.active();
      const int from = status.MPI_SOURCE;
      int message_job = -1;
      Kind kind = kKinds;
      if (!job_and_kind(status.MPI_TAG, &message_job, &kind) || message_job != job) {
        discard(status);  // a late message of an earlier job
        continue;
      }
      switch (kind) {
        case kRequest: {
          receive_int64(from, status.MPI_TAG);
          const std::optional<int64_t> next = error ? std::nullopt : queue.next(from);
          send_int64(from, tag(job, kAssign), next.value_or(-1));
          break;
        }
        case kResult: {
          std::vector<std::byte> bytes = receive_bytes(from, job, kResult);
          if (error) break;
          try {
            remote(from, std::move(bytes));
            ++supplied;
            tick();
          } catch (...) {
            error = std::current_exception();
          }
          break;
        }
        case kFailed: {
          std::exception_ptr failed = error_of(receive_bytes(from, job, kFailed));
          if (!error) error = failed;
          break;
        }
        case kDone:
          results[static_cast<size_t>(from - 1)] = receive_bytes(from, job, kDone);
          done[static_cast<size_t>(from)] = true;
          ++workers_done;
          break;
        default:
          discard(status);
          throw std::logic_error("share_tiles: a message of kind " + std::to_string(kind) + " from rank " +
                                 std::to_string(from));
      }
    }
  } catch (const Cancelled&) {
    // A wait given up after a stop (GiveUpWaitsOnStop): an error met before it is the one to report.
    if (error) std::rethrow_exception(error);
    throw;
  }
  runners.stop();
  if (std::exception_ptr e = runners.join(); e && !error) error = e;
  if (error) std::rethrow_exception(error);
  if (supplied.load() != static_cast<int64_t>(remote_ok.size()))
    throw std::logic_error("share_tiles: " + std::to_string(supplied.load()) + " of " +
                           std::to_string(remote_ok.size()) + " tiles came back");
  return results;
}

namespace {
// A worker's job from await_job until serve_tiles has said it is done: an error that escapes
// in between is reported in it (fail_every_job), where rank 0 waits for this rank.
std::optional<Job> g_open_job;
}  // namespace

std::optional<Job> await_job() {
  // A signal here does not end the wait: rank 0 will wait for this rank in its job, so the rank
  // takes part and reports it there (serve_tiles), or rank 0 ends first and says so.
  const int job = next_job();
  Backoff backoff;
  while (!message_waiting(0, tag(job, kJob))) {
    if (exit_code_arrived()) return std::nullopt;
    backoff.idle();
  }
  g_open_job = Job{job, receive_bytes(0, job, kJob)};
  return g_open_job;
}

void serve_tiles(const Job& job, int threads, const StopRequested& stop, const ComputeTile& compute,
                 std::exception_ptr failed, const std::function<std::vector<std::byte>()>& result) {
  // Tiles rank 0 has assigned, waiting for a thread; tiles computed, waiting to be sent.
  std::mutex mutex;
  std::condition_variable more;
  std::deque<int64_t> assigned;
  std::deque<std::vector<std::byte>> outbox;
  bool no_more = false;  // rank 0 has no further tile for this rank (or it stops)
  auto next = [&]() -> std::optional<int64_t> {
    std::unique_lock lock(mutex);
    more.wait(lock, [&] { return no_more || !assigned.empty(); });
    if (assigned.empty()) return std::nullopt;
    const int64_t i = assigned.front();
    assigned.pop_front();
    return i;
  };
  // The tiles already in hand are still computed; only stopping drops them.
  auto end_of_tiles = [&](bool drop_assigned) {
    std::lock_guard lock(mutex);
    no_more = true;
    if (drop_assigned) assigned.clear();
    more.notify_all();
  };
  // Every way out of this function says "done" to rank 0, which waits for it.
  auto done = [&](const std::vector<std::byte>& result_bytes) {
    send_bytes(0, job.id, kDone, result_bytes);
    g_open_job.reset();
  };
  std::optional<Runners> runners_made;
  try {
    runners_made.emplace(
        threads, next,
        [&](int64_t i) {
          std::vector<std::byte> bytes = compute(i);
          std::lock_guard lock(mutex);
          outbox.push_back(std::move(bytes));
        },
        [&] { end_of_tiles(true); });
  } catch (...) {
    send_bytes(0, job.id, kFailed, error_message(failed ? failed : std::current_exception()));
    return done({});
  }
  Runners& runners = *runners_made;

  bool stopping = false, asking = false, rank0_has_none = false;
  int64_t in_hand = 0;         // tiles assigned and not yet sent back
  int64_t assigned_tile = -1;  // the receive buffer of rank 0's answer
  MPI_Request request = MPI_REQUEST_NULL;
  auto fail = [&](std::exception_ptr e) {
    if (stopping) return;
    stopping = true;
    runners.stop();
    send_bytes(0, job.id, kFailed, error_message(e));
  };
  if (failed) fail(failed);
  Backoff backoff;
  for (;;) {
    bool active = false;
    if (exit_code_arrived()) {
      // Rank 0 left the job without waiting (a signal): nothing more will come or be taken,
      // and a worker writes nothing, so it ends at once, without finishing its tiles in hand.
      std::_Exit(agree_exit_code(kExitInterrupted));
    }
    if (runners.failed() && !stopping) {
      runners.stop();
      fail(runners.join());
    }
    if (stop_requested(stop)) fail(std::make_exception_ptr(Cancelled()));
    if (message_waiting(0, tag(job.id, kStop))) {
      receive_int64(0, tag(job.id, kStop));
      stopping = true;
      runners.stop();
    }
    if (!asking && !rank0_has_none && !stopping && in_hand < 2 * threads) {
      send_int64(0, tag(job.id, kRequest), 0);
      MPI_Irecv(&assigned_tile, 1, MPI_INT64_T, 0, tag(job.id, kAssign), comm(), &request);
      asking = true;
    }
    if (asking) {
      int arrived = 0;
      MPI_Test(&request, &arrived, MPI_STATUS_IGNORE);
      if (arrived) {
        asking = false, active = true;
        if (assigned_tile < 0) {
          rank0_has_none = true;
          end_of_tiles(false);
        } else if (!stopping) {
          ++in_hand;
          std::lock_guard lock(mutex);
          assigned.push_back(assigned_tile);
          more.notify_one();
        }
      }
    }
    std::deque<std::vector<std::byte>> to_send;
    {
      std::lock_guard lock(mutex);
      to_send.swap(outbox);
    }
    for (const auto& bytes : to_send) {
      if (!stopping) {
        test_hook_die_sending_tile(job.id, bytes);
        send_bytes(0, job.id, kResult, bytes);
      }
      --in_hand, active = true;
    }
    // Done when nothing more will come and nothing is left to send (an unanswered request is
    // always answered: rank 0 serves until every worker is done).
    if ((rank0_has_none || stopping) && !asking && runners.all_ended()) {
      std::lock_guard lock(mutex);
      if (outbox.empty()) break;
    }
    if (active)
      backoff.active();
    else
      backoff.idle();
  }
  runners.join();
  std::vector<std::byte> result_bytes;
  if (!stopping && result) try {
      result_bytes = result();
    } catch (...) {
      fail(std::current_exception());
    }
  done(result_bytes);
}

void fail_every_job(std::exception_ptr error) {
  if (g_open_job) serve_tiles(*g_open_job, 1, {}, {}, error);  // the job the error interrupted
  while (const std::optional<Job> job = await_job()) serve_tiles(*job, 1, {}, {}, error);
}

}  // namespace minerisk::cluster
