// Sharing a job's tiles among MPI ranks (see cluster.hpp). Rank 0's main thread serves: it hands
// out tiles on request, receives finished tiles and gives them to the writer, while its other
// threads compute tiles of their own. A worker's main thread asks for tiles (keeping two per
// thread in hand, so none waits for the next), and sends back each one its threads finish.
// Either side stops on the first error; rank 0 then tells the workers and waits until each
// has said it is done, so no message is left half-way.
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "mpi_link.hpp"
#include "runners.hpp"

namespace minerisk::cluster {

using namespace link;

namespace {

// An error as it travels: the exit code it means, and its message.
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
  text = "rank " + std::to_string(rank()) + ": " + text;
  std::vector<std::byte> bytes(sizeof code + text.size());
  std::memcpy(bytes.data(), &code, sizeof code);
  std::memcpy(bytes.data() + sizeof code, text.data(), text.size());
  return bytes;
}

std::exception_ptr error_of(const std::vector<std::byte>& bytes) {
  int64_t code = kExitInternal;
  if (bytes.size() >= sizeof code) std::memcpy(&code, bytes.data(), sizeof code);
  const std::string text(reinterpret_cast<const char*>(bytes.data()) + std::min(bytes.size(), sizeof code),
                         bytes.size() - std::min(bytes.size(), sizeof code));
  if (code == kExitUserError) return std::make_exception_ptr(UserError(text));
  if (code == kExitInterrupted) return std::make_exception_ptr(Cancelled());
  return std::make_exception_ptr(std::runtime_error(text));
}

bool cancelled(const std::atomic<bool>* cancel) { return cancel && cancel->load(); }

}  // namespace

std::vector<std::vector<std::byte>> share_tiles(const std::vector<std::byte>& header, const std::vector<bool>& remote_ok,
                                                int threads, const std::atomic<bool>* cancel,
                                                const std::function<void(int64_t)>& local,
                                                const std::function<void(int, std::vector<std::byte>)>& remote,
                                                const std::function<void()>& tick) {
  const int job = next_job();
  for (int r = 1; r < size(); ++r) send_bytes(r, job, kJob, header);

  // Two queues in plan order: tiles any rank may compute, and those only rank 0 may supply.
  std::mutex queue_mutex;
  std::deque<int64_t> shared, own;
  for (size_t i = 0; i < remote_ok.size(); ++i) (remote_ok[i] ? shared : own).push_back(static_cast<int64_t>(i));
  auto take = [&](bool may_take_own) -> std::optional<int64_t> {
    std::lock_guard lock(queue_mutex);
    std::deque<int64_t>& from = may_take_own && !own.empty() ? own : shared;
    if (from.empty()) return std::nullopt;
    const int64_t i = from.front();
    from.pop_front();
    return i;
  };
  std::atomic<int64_t> supplied{0};
  Runners runners(threads, [&] { return take(true); }, [&](int64_t i) {
    local(i);
    ++supplied;
    tick();
  });

  std::exception_ptr error;
  int done = 0;
  bool told_to_stop = false;
  std::vector<bool> finished(static_cast<size_t>(size()), false);
  std::vector<std::vector<std::byte>> results(static_cast<size_t>(size() - 1));
  Backoff backoff;
  while (done < size() - 1 || !runners.finished()) {
    if (cancelled(cancel)) {
      // A signal: mpirun stops every rank alike; rank 0 only has to leave nothing behind.
      runners.stop();
      runners.join();
      throw Cancelled();
    }
    if (!error && runners.failed()) error = runners.join();
    if (error && !told_to_stop) {
      runners.stop();
      for (int r = 1; r < size(); ++r)
        if (!finished[static_cast<size_t>(r)]) send_int64(r, tag(job, kStop), 0);
      told_to_stop = true;
    }
    int from = 0;
    if (waiting(MPI_ANY_SOURCE, tag(job, kRequest), &from)) {
      receive_int64(from, tag(job, kRequest));
      const std::optional<int64_t> next = error ? std::nullopt : take(false);
      send_int64(from, tag(job, kAssign), next.value_or(-1));
    } else if (waiting(MPI_ANY_SOURCE, tag(job, kResult), &from)) {
      std::vector<std::byte> bytes = receive_bytes(from, job, kResult);
      if (!error) try {
          remote(from, std::move(bytes));
          ++supplied;
          tick();
        } catch (...) {
          error = std::current_exception();
        }
    } else if (waiting(MPI_ANY_SOURCE, tag(job, kFailed), &from)) {
      std::exception_ptr failed = error_of(receive_bytes(from, job, kFailed));
      if (!error) error = failed;
    } else if (waiting(MPI_ANY_SOURCE, tag(job, kDone), &from)) {
      results[static_cast<size_t>(from - 1)] = receive_bytes(from, job, kDone);
      finished[static_cast<size_t>(from)] = true;
      ++done;
    } else {
      backoff.idle();
      continue;
    }
    backoff.active();
  }
  if (std::exception_ptr e = runners.join(); e && !error) error = e;
  if (error) std::rethrow_exception(error);
  if (supplied.load() != static_cast<int64_t>(remote_ok.size()))
    throw std::logic_error("share_tiles: " + std::to_string(supplied.load()) + " of " +
                           std::to_string(remote_ok.size()) + " tiles came back");
  return results;
}

std::optional<std::vector<std::byte>> await_job(const std::atomic<bool>* cancel) {
  const int job = next_job();
  Backoff backoff;
  while (!waiting(0, tag(job, kJob))) {
    if (finish_arrived() || cancelled(cancel)) return std::nullopt;
    backoff.idle();
  }
  return receive_bytes(0, job, kJob);
}

void serve_tiles(int threads, const std::atomic<bool>* cancel, const ComputeTile& compute, std::exception_ptr failed,
                 const std::function<std::vector<std::byte>()>& result) {
  const int job = current_job();
  // Tiles rank 0 has assigned, waiting for a thread; tiles finished, waiting to be sent.
  std::mutex mutex;
  std::condition_variable more;
  std::deque<int64_t> assigned;
  std::deque<std::vector<std::byte>> finished;
  bool closed = false;  // no more tiles will be assigned
  auto next = [&]() -> std::optional<int64_t> {
    std::unique_lock lock(mutex);
    more.wait(lock, [&] { return closed || !assigned.empty(); });
    if (assigned.empty()) return std::nullopt;
    const int64_t i = assigned.front();
    assigned.pop_front();
    return i;
  };
  auto close = [&] {
    std::lock_guard lock(mutex);
    closed = true;
    assigned.clear();
    more.notify_all();
  };
  Runners runners(threads, next, [&](int64_t i) {
    std::vector<std::byte> bytes = compute(i);
    std::lock_guard lock(mutex);
    finished.push_back(std::move(bytes));
  });

  bool stopping = false, no_more = false, asking = false;
  int64_t in_hand = 0, answer = -1;  // tiles assigned and not yet sent back
  MPI_Request request = MPI_REQUEST_NULL;
  auto fail = [&](std::exception_ptr e) {
    send_bytes(0, job, kFailed, error_message(e));
    stopping = true;
    runners.stop();
    close();
  };
  if (failed) fail(failed);
  Backoff backoff;
  for (;;) {
    bool active = false;
    if (!stopping && runners.failed()) {
      runners.stop();
      close();  // wakes the threads that wait for a tile, so that they can be joined
      fail(runners.join());
    }
    if (!stopping && cancelled(cancel)) fail(std::make_exception_ptr(Cancelled()));
    if (!stopping && waiting(0, tag(job, kStop))) {
      receive_int64(0, tag(job, kStop));
      stopping = true;
      runners.stop();
      close();
    }
    if (!asking && !no_more && !stopping && in_hand < 2 * threads) {
      send_int64(0, tag(job, kRequest), 0);
      MPI_Irecv(&answer, 1, MPI_INT64_T, 0, tag(job, kAssign), comm(), &request);
      asking = true;
    }
    if (asking) {
      int arrived = 0;
      MPI_Test(&request, &arrived, MPI_STATUS_IGNORE);
      if (arrived) {
        asking = false, active = true;
        if (answer < 0) {
          no_more = true;
          close();
        } else if (!stopping) {
          ++in_hand;
          std::lock_guard lock(mutex);
          assigned.push_back(answer);
          more.notify_one();
        }
      }
    }
    std::deque<std::vector<std::byte>> to_send;
    {
      std::lock_guard lock(mutex);
      to_send.swap(finished);
    }
    for (const auto& bytes : to_send) {
      if (!stopping) send_bytes(0, job, kResult, bytes);
      --in_hand, active = true;
    }
    // Done when nothing more will come and nothing is left to send (an unanswered request
    // is always answered: rank 0 serves until every worker is done).
    if ((no_more || stopping) && !asking && runners.finished()) {
      std::lock_guard lock(mutex);
      if (finished.empty()) break;
    }
    if (active)
      backoff.active();
    else
      backoff.idle();
  }
  runners.join();
  send_bytes(0, job, kDone, result && !stopping ? result() : std::vector<std::byte>{});
}

}  // namespace minerisk::cluster
