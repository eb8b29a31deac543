// The `minerisk` command line: parses arguments, runs the chosen subcommand, and maps failures
// to exit codes (2: something the user can fix, 3: busy (another update holds the output's
// lock), 1: an internal error, 130: interrupted).
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <signal.h>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "allocator.hpp"
#include "command.hpp"
#include "generated_docs.hpp"
#include "suggestions.hpp"
#include "minerisk/engine/byte_text.hpp"
#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

// Stops cleanly on `sig`, unless the program was started with it ignored: `nohup minerisk
// update ... &` ignores SIGHUP so that the batch outlives the session, and a shell without job
// control (a script) starts its background jobs with SIGINT ignored. A handler put over that would stop the work the caller meant to protect
// (POSIX's advice for any program that catches these signals).
void stop_on(int sig) {
  struct sigaction current{};
  if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) return;
  std::signal(sig, on_signal);
}

std::string joined_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i) line += ' ';
    line += argv[i];
  }
  return line;
}

// GDAL's programs spell their format and creation options with one dash (-of COG, -co K=V);
// CLI11 takes one-dash names of one letter only, so those two are read as --of and --co.
std::vector<std::string> gdal_style_arguments(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == "-of" || args[i] == "-co" || args[i].rfind("-of=", 0) == 0 || args[i].rfind("-co=", 0) == 0)
      args[i] = "-" + args[i];
  }
  return args;
}

// Over MPI, ranks other than 0 say nothing: rank 0 speaks for the job (a worker's error reaches
// it and is printed there). MINERISK_MPI_WORKER_OUTPUT=1 keeps their output, for debugging.
void silence_worker_output() {
  const char* keep = std::getenv("MINERISK_MPI_WORKER_OUTPUT");
  if (keep && *keep && std::string(keep) != "0") return;
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0) return;
  ::dup2(null, STDOUT_FILENO);
  ::dup2(null, STDERR_FILENO);
  ::close(null);
}

// Whether the subcommand is one that shares tiles among MPI ranks (run, update, sweep): only
// those start MPI. Any other starts as one process even under mpirun or srun, so that a job
// script may also call `minerisk areas` or `map` from a rank (MPI may be started only once).
bool shares_tiles(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0) continue;  // options before the subcommand (--version, --help)
    return arg == "run" || arg == "update" || arg == "sweep";
  }
  return false;
}

int run_program(int argc, char** argv) {
  std::vector<std::string> arguments = gdal_style_arguments(argc, argv);
  std::vector<char*> pointers;
  for (std::string& a : arguments) pointers.push_back(a.data());
  argv = pointers.data();
  CLI::App app;
  minerisk::cli::CommonOptions common;
  const minerisk::cli::Context context{&g_cancel, joined_command_line(argc, argv), &common};
  std::vector<minerisk::cli::Command> commands;
  minerisk::cli::define_program(app, commands, context, common);
  if (const int code = minerisk::cli::generate_docs(app, argc, argv); code >= 0) return code;

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    const std::string message = minerisk::cli::parse_error_message(app, args, e);
    std::cerr << "minerisk: error: " << minerisk::visible_text(message) << "\n";
    minerisk::cli::log_update_parse_error(args, message);
    return minerisk::kExitUserError;
  }

  stop_on(SIGINT);
  stop_on(SIGTERM);
  stop_on(SIGHUP);  // a closed terminal: stop cleanly, as for Ctrl-C
  // A reader of stdout that closed it (`update --log-format json | head -1`) killed the process
  // with SIGPIPE mid-run, leaving its staging folder and journal: ignored, a write to the closed
  // pipe fails quietly and the work finishes (the nightly grid is still committed).
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (minerisk::cluster::is_worker()) {
      // Another MPI rank computes for rank 0's run, update or sweep.
      try {
        minerisk::cli::apply_common_options(common);
        for (const auto& command : commands)
          if (command.app->parsed()) command.action();
      } catch (...) {
        // Rank 0 waits for this rank in its jobs: it must hear of the error there.
        minerisk::cluster::fail_every_job(std::current_exception());
        throw;
      }
      return minerisk::kExitOk;
    }
    minerisk::cli::apply_common_options(common);  // --config before any work
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      minerisk::cli::report_start(*command.app, common);
      const auto start = std::chrono::steady_clock::now();
      command.action();
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (common.verbose) minerisk::cli::report_end(*command.app, took.count());
    }
  } catch (const minerisk::Busy& e) {
    std::cerr << "minerisk: busy: " << minerisk::visible_text(e.what()) << "\n";
    return minerisk::kExitBusy;
  } catch (const minerisk::UserError& e) {
    std::cerr << "minerisk: error: " << minerisk::visible_text(e.what()) << "\n";
    return minerisk::kExitUserError;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user gave that the system refuses to look at (a name too long, a folder
    // that cannot be entered): theirs to fix, named with the system's reason.
    std::cerr << "minerisk: error: '" << minerisk::visible_text(e.path1().string()) << "': " << e.code().message()
              << "; check the path\n";
    return minerisk::kExitUserError;
  } catch (const minerisk::Cancelled& e) {
    std::cerr << "minerisk: " << e.what() << "\n";
    return minerisk::kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "minerisk: internal error: " << minerisk::visible_text(e.what()) << "\n";
    return minerisk::kExitInternal;
  }
  return minerisk::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // The raster tools and the other one-pass commands gain from it; run, update and sweep were
  // measured no faster with it and up to 30 MB larger at their peak, so they keep glibc's ways.
  const bool tiles_shared = shares_tiles(argc, argv);
  if (!tiles_shared) minerisk::cli::keep_freed_buffers_for_reuse();
  std::optional<minerisk::cluster::Session> mpi;
  try {
    if (tiles_shared) mpi.emplace(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "minerisk: internal error: " << minerisk::visible_text(e.what()) << "\n";
    return minerisk::kExitInternal;
  }
  // Under mpirun or srun, a subcommand that shares no tiles (or any, built without MPI) runs on
  // rank 0 alone: the others have nothing to do, and two ranks writing one output would clash.
  if (minerisk::cluster::size() == 1 && minerisk::cluster::launcher_rank() > 0) return minerisk::kExitOk;
  if (mpi && !minerisk::cluster::built_with_mpi() && minerisk::cluster::launcher_size() > 1)
    std::cerr << "minerisk: note: this minerisk was built without MPI (MINERISK_MPI off): rank 0 does the whole job "
                 "alone\n";
  if (minerisk::cluster::is_worker()) silence_worker_output();
  // Every rank ends with rank 0's exit code (a single process: its own).
  return minerisk::cluster::agree_exit_code(run_program(argc, argv));
}
