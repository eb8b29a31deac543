// The `_minerisk` extension: the engine's kernels on numpy arrays, its model on scenarios and
// its raster tools on files (the submodule `tools`).
// The pure-Python package `minerisk` wraps it (xarray, conveniences, docs).
#include <pybind11/pybind11.h>

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
}  // namespace minerisk::python

PYBIND11_MODULE(_minerisk, m) {
  m.doc() = "minerisk's C++ engine: kernels on numpy arrays and the model on scenarios";
  m.attr("__version__") = minerisk::kVersion;
  // Input a user can fix raises minerisk.Error (a ValueError) with the command line's message.
  static py::exception<minerisk::UserError> error(m, "Error", PyExc_ValueError);
  // Another update of the same output holds its lock: minerisk.Busy (exit code 3 on the command line).
  static py::exception<minerisk::Busy> busy(m, "Busy", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const minerisk::UserError& e) {
      PyErr_SetString(error.ptr(), e.what());
    } catch (const minerisk::Busy& e) {
      PyErr_SetString(busy.ptr(), e.what());
    } catch (const minerisk::Cancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });
  minerisk::init_gdal();
  minerisk::python::add_kernels(m);
  minerisk::python::add_model(m);
  minerisk::python::add_tools(m);
  minerisk::python::add_areas(m);
  minerisk::python::add_map(m);
}
