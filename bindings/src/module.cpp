// The `_minerisk` extension: the engine's kernels on numpy arrays, its model on scenarios and
// its raster tools on files (the submodule `tools`).
// The pure-Python package `minerisk` wraps it (xarray, conveniences, docs).
#include <string>
#include <pybind11/pybind11.h>

#include <cstring>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/version.hpp"

namespace py = pybind11;

namespace minerisk::python {
void add_kernels(py::module_& m);
void add_model(py::module_& m);
void add_tools(py::module_& m);
void add_areas(py::module_& m);
void add_map(py::module_& m);
void add_report(py::module_& m);

namespace {

// The message as Python text: a path that is not UTF-8 keeps its odd bytes as \xNN escapes
// (PyErr_SetString takes UTF-8 only, and left the message empty).
void set_error(PyObject* type, const char* what) {
  PyObject* text = PyUnicode_DecodeUTF8(what, static_cast<Py_ssize_t>(std::strlen(what)), "backslashreplace");
  if (!text) {
    PyErr_Clear();
    PyErr_SetString(type, "(a message that could not be decoded)");
    return;
  }
  PyErr_SetObject(type, text);
  Py_DECREF(text);
}

}  // namespace
}  // namespace minerisk::python

PYBIND11_MODULE(_minerisk, m) {
  m.doc() = "minerisk's C++ engine: kernels on numpy arrays and the model on scenarios";
  m.attr("__version__") = minerisk::kVersion;
  // Input a user can fix raises minerisk.Error (a ValueError) with the command line's message.
  static py::exception<minerisk::UserError> error(m, "Error", PyExc_ValueError);
  // Another update (or a run) of the same output holds its lock: minerisk.Busy (exit code 3 on the command line).
  static py::exception<minerisk::Busy> busy(m, "Busy", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const minerisk::UserError& e) {
      minerisk::python::set_error(error.ptr(), e.what());
    } catch (const minerisk::Busy& e) {
      // The command line's advice in Python's words.
      std::string message = e.what();
      if (const size_t at = message.find("use --wait"); at != std::string::npos) message.replace(at, 10, "use wait=True");
      minerisk::python::set_error(busy.ptr(), message.c_str());
    } catch (const minerisk::Cancelled& e) {
      minerisk::python::set_error(PyExc_KeyboardInterrupt, e.what());
    }
  });
  minerisk::init_gdal();
  minerisk::python::add_kernels(m);
  minerisk::python::add_model(m);
  minerisk::python::add_tools(m);
  minerisk::python::add_areas(m);
  minerisk::python::add_map(m);
  minerisk::python::add_report(m);
}
