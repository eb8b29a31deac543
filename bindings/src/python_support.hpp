#pragma once
// What every binding needs between Python and the engine: paths both ways as the file system
// spells them (a name that is not UTF-8 included), options cast with a message naming them, and
// a long call that Ctrl-C stops.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <exception>
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

/// options[key] as T; a value of the wrong type is a TypeError naming the option and what it
/// takes (pybind11's own "Unable to cast Python instance" names neither).
template <class T>
T option_as(const py::dict& options, const char* key, const char* command, const char* wanted) {
  const py::object value = options[key];
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!py::isinstance<py::bool_>(value)) throw py::cast_error("");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!py::isinstance<py::str>(value)) throw py::cast_error("");
    }
    return value.cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string(command) + "(): option '" + key + "' got " +
                         py::type::of(value).attr("__name__").cast<std::string>() + " " + py::repr(value).cast<std::string>() +
                         "; give " + wanted);
  }
}

/// A long call that Ctrl-C stops: after each tile, the control's progress callback takes the
/// GIL and lets Python handle a pending signal (PyErr_CheckSignals), then calls `progress` (a
/// callable(fraction) -> bool, or None; a false result stops the call). A Python exception
/// raised there (KeyboardInterrupt, or the callable's own) stops the operation (Cancelled:
/// nothing written) and is the one raised.
class Interruptible {
 public:
  explicit Interruptible(ops::Control& control, py::object progress = py::none())
      : state_(std::make_shared<State>()) {
    if (!progress.is_none() && !PyCallable_Check(progress.ptr()))
      throw py::type_error("progress: expected a callable(fraction) -> bool, or None");
    state_->progress = std::move(progress);
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
        return truth == 1;
      } catch (...) {
        state->error = std::current_exception();
        return false;
      }
    };
  }

  /// Runs `op()` without the GIL; raises the Python exception that stopped it, if one did.
  template <class Op>
  auto run(Op&& op) -> decltype(op()) {
    try {
      py::gil_scoped_release release;
      return op();
    } catch (const Cancelled&) {
      if (state_->error) std::rethrow_exception(state_->error);
      throw;
    }
  }

 private:
  struct State {
    py::object progress;
    std::exception_ptr error;
  };
  std::shared_ptr<State> state_;  // declared after the control it serves: released with the GIL held
};

}  // namespace minerisk::python
