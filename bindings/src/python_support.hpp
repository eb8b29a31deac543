#pragma once
// What every binding needs between Python and the engine: paths both ways as the file system
// spells them (a name that is not UTF-8 included), options cast with a message naming them, and
// a long call that Ctrl-C stops.
#include <pybind11/pybind11.h>
#include <signal.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <csignal>
#include <exception>
#include <mutex>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/control.hpp"

namespace minerisk::python {

namespace py = pybind11;

/// A path as Python's os.fsdecode gives it: a str, with a byte that is not UTF-8 kept as a
/// surrogate (pybind11 decodes a std::string as strict UTF-8, and raised after the file was written).
inline py::object path_object(const std::filesystem::path& path) {
  return py::module_::import("os").attr("fsdecode")(py::bytes(path.string()));
}

/// A str, bytes or os.PathLike as the file system's bytes (os.fsencode), for a name the engine
/// takes as text (PATH:LAYER, a GDAL dataset name).
inline std::string name_bytes(const py::handle& value) {
  return py::module_::import("os").attr("fsencode")(value).cast<std::string>();
}

/// One name, or each of a list of names (a str, bytes or path is one name, never its letters).
inline std::vector<std::string> names_of(const py::handle& value) {
  const py::object os = py::module_::import("os");
  if (py::isinstance<py::str>(value) || py::isinstance<py::bytes>(value) || py::isinstance(value, os.attr("PathLike")))
    return {name_bytes(value)};
  std::vector<std::string> names;
  for (const auto& v : value) names.push_back(name_bytes(v));
  return names;
}

/// True or False, from Python or numpy (numpy's bool_ is no Python bool); never a number or None.
inline bool is_boolean(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return true;
  return py::hasattr(value, "dtype") && py::hasattr(value.attr("dtype"), "kind") &&
         py::str(value.attr("dtype").attr("kind")).cast<std::string>() == "b";
}

/// The TypeError for an option given a value of the wrong type: it names the call, the option,
/// the value and what the option takes (pybind11's own "Unable to cast Python instance" names none).
inline py::type_error wrong_option_type(const char* command, const char* key, const py::handle& value,
                                        const char* wanted) {
  return py::type_error(std::string(command) + "(): option '" + key + "' got " +
                        py::type::of(value).attr("__name__").cast<std::string>() + " " + py::repr(value).cast<std::string>() +
                        "; give " + wanted);
}

/// options[key], a name (PATH:LAYER) or text the engine takes as the file system's bytes
/// (name_bytes): a str, bytes or os.PathLike; anything else is a TypeError naming the option.
inline std::string name_option(const py::dict& options, const char* key, const char* command) {
  const py::object value = options[key];
  if (!py::isinstance<py::str>(value) && !py::isinstance<py::bytes>(value) &&
      !py::isinstance(value, py::module_::import("os").attr("PathLike")))
    throw wrong_option_type(command, key, value, "a str, bytes or os.PathLike");
  return name_bytes(value);
}

/// options[key] as T; a value of the wrong type is a TypeError naming the option and what it
/// takes (wrong_option_type).
template <class T>
T option_as(const py::dict& options, const char* key, const char* command, const char* wanted) {
  const py::object value = options[key];
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!is_boolean(value)) throw py::cast_error("");
      return py::bool_(value).cast<bool>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!py::isinstance<py::str>(value)) throw py::cast_error("");
    }
    return value.cast<T>();
  } catch (const py::cast_error&) {
    throw wrong_option_type(command, key, value, wanted);
  }
}

/// The engine's control for a call from Python: its messages name the Python arguments
/// (threads, tile_size, not --threads), and an output's history records the call as
/// "minerisk (Python) COMMAND".
inline ops::Control python_control(const std::string& command, int threads, bool quiet, bool overwrite,
                                   int64_t tile_size = ops::Control{}.tile_size) {
  ops::Control control;
  control.threads = threads;
  control.tile_size = tile_size;
  control.quiet = quiet;
  control.overwrite = overwrite;
  control.threads_name = "threads";
  control.tile_size_name = "tile_size";
  control.dst_nodata_name = "dst_nodata";
  control.command_line = "minerisk (Python) " + command;
  return control;
}

/// The same for an operation's options that extend the control (RunOptions, FitOptions...):
/// sets only the control's part, leaving the operation's own fields as they are.
inline void as_python_control(ops::Control& options, const std::string& command, int threads, bool quiet,
                              bool overwrite, int64_t tile_size = ops::Control{}.tile_size) {
  options = python_control(command, threads, quiet, overwrite, tile_size);
}

namespace detail {

// Ctrl-C reaches the engine's cancel flags directly, as the command line's signal handler does:
// Python's own handler only marks the signal for its main thread, which a tile on a worker
// thread never sees, and which no step between tiles (the commit) asks. While any long call
// runs, SIGINT goes to on_interrupt, which sets each running call's flag, then calls Python's
// handler, so Python still raises KeyboardInterrupt. Flags are registered in a fixed table of
// atomics: a signal handler may take no lock.
inline constexpr int kMaxCalls = 64;
inline std::atomic<std::atomic<bool>*> g_flags[kMaxCalls];
inline struct sigaction g_python_action;  // the handler before ours (Python's)
inline std::mutex g_hook_mutex;
inline int g_hook_depth = 0;

inline void on_interrupt(int signal) {
  for (auto& slot : g_flags)
    if (std::atomic<bool>* flag = slot.load()) flag->store(true);
  if (!(g_python_action.sa_flags & SA_SIGINFO) && g_python_action.sa_handler != SIG_DFL &&
      g_python_action.sa_handler != SIG_IGN)
    g_python_action.sa_handler(signal);
}

// Registers `flag` for SIGINT while it lives; the first installs the hook, the last removes it.
// A SIGINT that Python ignores (SIG_IGN) or leaves to the system (SIG_DFL) is left as it is.
class InterruptHook {
 public:
  explicit InterruptHook(std::atomic<bool>* flag) {
    std::lock_guard lock(g_hook_mutex);
    for (slot_ = 0; slot_ < kMaxCalls; ++slot_) {
      std::atomic<bool>* empty = nullptr;
      if (g_flags[slot_].compare_exchange_strong(empty, flag)) break;
    }
    if (g_hook_depth++ > 0) return;
    struct sigaction current {};
    sigaction(SIGINT, nullptr, &current);
    installed_ = !(current.sa_flags & SA_SIGINFO) && current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN;
    if (!installed_) return;
    g_python_action = current;
    struct sigaction ours = current;
    ours.sa_handler = on_interrupt;
    sigaction(SIGINT, &ours, nullptr);
  }
  ~InterruptHook() {
    std::lock_guard lock(g_hook_mutex);
    if (slot_ < kMaxCalls) g_flags[slot_].store(nullptr);
    if (--g_hook_depth == 0 && g_python_action.sa_handler) sigaction(SIGINT, &g_python_action, nullptr);
    if (g_hook_depth == 0) g_python_action = {};
  }
  InterruptHook(const InterruptHook&) = delete;
  InterruptHook& operator=(const InterruptHook&) = delete;

 private:
  int slot_ = kMaxCalls;
  bool installed_ = false;
};

}  // namespace detail

/// A long call that Ctrl-C stops: SIGINT sets the engine's cancel flag (detail::InterruptHook),
/// and after each tile the control's progress callback takes the GIL, lets Python handle a
/// pending signal (PyErr_CheckSignals, on the main thread), then calls `progress` (a
/// callable(fraction) -> bool, or None; a false result stops the call). Either stops the
/// operation at its next check, the commit included (Cancelled: nothing written), and the Python
/// exception (KeyboardInterrupt, or the callable's own) is the one raised. A SIGINT that arrives
/// while the outputs are renamed waits for the renames (as on the command line): the call then
/// returns with its outputs whole, and Python raises KeyboardInterrupt after it.
class Interruptible {
 public:
  explicit Interruptible(ops::Control& control, py::object progress = py::none())
      : state_(std::make_shared<State>()) {
    if (!progress.is_none() && !PyCallable_Check(progress.ptr()))
      throw py::type_error("progress: expected a callable(fraction) -> bool, or None");
    state_->progress = std::move(progress);
    control.cancel = &state_->cancel;
    // The callback holds the state by a shared pointer: the engine copies callbacks on its own
    // threads (Control::pass), and a copy of a py::object would touch its reference count
    // without the GIL.
    control.progress = [state = state_](double fraction) {
      py::gil_scoped_acquire gil;
      if (state->error) return false;
      try {
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (state->progress.is_none()) return true;
        const py::object keep_going = state->progress(fraction);
        if (keep_going.is_none()) return true;
        const int truth = PyObject_IsTrue(keep_going.ptr());
        if (truth < 0) throw py::error_already_set();
        if (truth != 1) state->cancel.store(true);
        return truth == 1;
      } catch (...) {
        state->error = std::current_exception();
        state->cancel.store(true);
        return false;
      }
    };
  }

  /// Runs `op()` without the GIL; raises the Python exception that stopped it, if one did.
  template <class Op>
  auto run(Op&& op) -> decltype(op()) {
    const detail::InterruptHook hook(&state_->cancel);
    try {
      py::gil_scoped_release release;
      return op();
    } catch (const Cancelled&) {
      if (state_->error) std::rethrow_exception(state_->error);
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Python's KeyboardInterrupt
      throw;
    }
  }

 private:
  struct State {
    py::object progress;
    std::exception_ptr error;
    std::atomic<bool> cancel{false};
  };
  std::shared_ptr<State> state_;  // declared after the control it serves: released with the GIL held
};

}  // namespace minerisk::python
