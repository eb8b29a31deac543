#pragma once
// Numpy arrays in and out of the kernels. Inputs that are already C-contiguous float32 are
// used in place (no copy); any other dtype or layout is converted once (a copy, documented in
// each function's docstring). Outputs are allocated as numpy arrays and written in place.
#include <algorithm>
#include <cmath>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <type_traits>
#include <span>
#include <string>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk::python {

namespace py = pybind11;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// The first infinite value of a rows x cols array, row-major: "row R, column C", or "" when none.
template <class T>
std::string first_infinity(const T* values, py::ssize_t rows, py::ssize_t cols) {
  const int64_t at = kernels::first_infinite_or_equal(std::span<const T>(values, static_cast<size_t>(rows * cols)));
  if (at < 0) return "";
  return "row " + std::to_string(at / cols) + ", column " + std::to_string(at % cols);
}

/// A 2-D C-contiguous view of `a` as T (converted if needed), with a clear error otherwise. An
/// infinity is refused, as the command line's tools refuse one in a raster: no number to compute
/// with (a slope of 90 degrees, a focal mean of inf over every window around it). A float64
/// value beyond float32's range becomes one as it is converted (numpy warns of the overflow).
///
/// A masked array (rasterio's read(masked=True)) has its masked cells as NaN, no data, not the
/// fill values under the mask. Text, dates and complex numbers are a TypeError, not numbers
/// parsed or cast; numpy's own error (MemoryError for an array too large to convert) passes.
template <class Array>
Array as_grid_of(const py::handle& given, const char* name) {
  // None would convert to a 0-D array of NaN.
  if (given.is_none()) throw py::type_error(std::string(name) + ": expected a numpy array of numbers");
  const py::module_ numpy = py::module_::import("numpy");
  py::object a = py::reinterpret_borrow<py::object>(given);
  const bool masked = py::isinstance(a, numpy.attr("ma").attr("MaskedArray"));
  // The values' own kind, before a masked array is filled (its astype would parse text).
  const py::object values = numpy.attr("asarray")(masked ? numpy.attr("ma").attr("getdata")(a) : a);
  const std::string kind = py::str(values.attr("dtype").attr("kind"));
  bool numbers = kind.find_first_of("biufO") != std::string::npos;
  if (kind == "O")  // Python objects: each a real number (or None), not text or a complex number
    for (const py::handle item : values.attr("flat"))
      if (py::isinstance<py::str>(item) || py::isinstance<py::bytes>(item) ||
          PyComplex_Check(item.ptr()) || py::isinstance(item, numpy.attr("complexfloating"))) {
        numbers = false;
        break;
      }
  if (!numbers)
    throw py::type_error(std::string(name) + ": expected an array of numbers, got dtype " +
                         std::string(py::str(values.attr("dtype"))) + (kind == "O" ? " holding text or complex numbers" : ""));
  a = masked ? numpy.attr("ma").attr("filled")(a.attr("astype")(numpy.attr("float64")), numpy.attr("nan")) : values;
  const char* wanted = std::is_same_v<typename Array::value_type, float> ? "float32" : "float64";
  Array out = Array::ensure(numpy.attr("ascontiguousarray")(a, py::arg("dtype") = wanted));
  if (!out) throw py::type_error(std::string(name) + ": expected a numpy array of numbers");
  if (out.ndim() != 2) throw py::value_error(std::string(name) + ": expected a 2-D array (rows, columns), got " +
                                             std::to_string(out.ndim()) + "-D");
  if (out.shape(0) == 0 || out.shape(1) == 0) throw py::value_error(std::string(name) + ": the array is empty");
  const std::string at = first_infinity(out.data(), out.shape(0), out.shape(1));
  if (!at.empty())
    throw py::value_error(std::string(name) + ": holds an infinite value at " + at +
                          " (or one beyond float32's range, 3.4e38, in which minerisk computes), which minerisk "
                          "cannot compute with; set such cells to NaN (no data)");
  return out;
}

/// A 2-D float32 C-contiguous view of `a`: see as_grid_of.
inline FloatArray as_grid(const py::handle& a, const char* name) { return as_grid_of<FloatArray>(a, name); }

/// A result holding an infinity (a focal sum or a density beyond float32's range) is refused, as
/// the command line's tools refuse to write one.
inline void refuse_infinite_result(const FloatArray& result, const std::string& function) {
  const std::string at = first_infinity(result.data(), result.shape(0), result.shape(1));
  if (!at.empty())
    throw py::value_error(function + ": the result at " + at +
                          " is beyond float32's range (3.4e38), in which it is computed: the values or weights are "
                          "too large; rescale them");
}

/// The items of `given` when it is a sequence of exactly `count` (a tuple, a list, a 1-D numpy
/// array; not text), none otherwise.
inline std::optional<py::sequence> items_of(const py::object& given, size_t count) {
  if (py::isinstance<py::str>(given) || py::isinstance<py::bytes>(given) || !PySequence_Check(given.ptr()))
    return std::nullopt;
  const Py_ssize_t length = PySequence_Size(given.ptr());  // -1, an error set, for a 0-D array
  if (length < 0) PyErr_Clear();
  if (length < 0 || static_cast<size_t>(length) != count) return std::nullopt;
  return py::reinterpret_borrow<py::sequence>(given);
}

/// `count` numbers from a tuple, a list or a 1-D numpy array (of Python's or numpy's numbers);
/// anything else is a ValueError naming the argument and what it takes.
inline std::vector<double> numbers_of(const py::object& given, const std::string& name, size_t count,
                                      const std::string& expected) {
  const auto bad = [&] { return py::value_error(name + ": expected " + expected); };
  const std::optional<py::sequence> items = items_of(given, count);
  if (!items) throw bad();
  std::vector<double> numbers;
  for (const py::handle item : *items) {
    // A number, not text: float("10") would take a string.
    PyObject* number = PyBool_Check(item.ptr()) || !PyNumber_Check(item.ptr()) ? nullptr : PyNumber_Float(item.ptr());
    if (!number) {
      PyErr_Clear();
      throw bad();
    }
    numbers.push_back(PyFloat_AsDouble(number));
    Py_DECREF(number);
  }
  return numbers;
}

/// The grid frame of an array: its geotransform (GDAL order), or a cell size from the origin.
inline kernels::GridFrame frame_of(py::ssize_t rows, py::ssize_t cols, const std::optional<py::object>& geotransform,
                                   const std::optional<py::object>& cell_size, bool geographic) {
  kernels::GridFrame f;
  f.width = cols;
  f.height = rows;
  f.geographic = geographic;
  const bool has_geotransform = geotransform && !geotransform->is_none(), has_cell_size = cell_size && !cell_size->is_none();
  // One or the other: a cell size beside a geotransform was silently left unused (even "abc").
  if (has_geotransform && has_cell_size)
    throw py::value_error("give cell_size=(x, y) or geotransform=(...), not both (the geotransform holds the cell size)");
  if (has_geotransform) {
    const std::vector<double> gt = numbers_of(*geotransform, "geotransform", 6, "6 numbers (GDAL order)");
    std::copy(gt.begin(), gt.end(), f.geotransform.begin());
    for (double v : f.geotransform)
      if (!std::isfinite(v)) throw py::value_error("geotransform: every number must be finite");
    if (f.geotransform[2] != 0 || f.geotransform[4] != 0 || !(f.geotransform[1] > 0) || !(f.geotransform[5] < 0))
      throw py::value_error("geotransform: must be north-up (positive pixel width, negative height, no rotation)");
    // Degrees on a geographic grid: latitudes beyond the poles are no place on the Earth (the
    // metres per degree would be made up), and distances are measured within the grid's span of
    // longitude, right only up to half the globe (as the command line's grids).
    const double top = f.geotransform[3], bottom = top + f.geotransform[5] * static_cast<double>(rows);
    if (geographic && (top > 90 || bottom < -90 ||
                       f.geotransform[1] * static_cast<double>(cols) > kernels::kMaxGeographicSpan + 1e-5))
      throw py::value_error("geotransform: a geographic grid must lie within latitudes -90 to 90 and span at most "
                            "180 degrees of longitude (distances are measured within its span)");
  } else if (geographic) {
    // Cell sizes are metres; a geographic grid's place on the globe (its latitudes) is needed.
    throw py::value_error("geographic=True needs geotransform=(...) in degrees; cell_size is in metres");
  } else if (has_cell_size) {
    const std::vector<double> size = numbers_of(*cell_size, "cell_size", 2, "(x, y) in metres");
    const double dx = size[0], dy = size[1];
    if (!(dx > 0) || !(dy > 0) || !std::isfinite(dx) || !std::isfinite(dy))
      throw py::value_error("cell_size: both sizes must be positive, finite numbers of metres");
    f.geotransform = {0.0, dx, 0.0, dy * static_cast<double>(rows), 0.0, -dy};
  } else {
    throw py::value_error("give cell_size=(x, y) in metres or geotransform=(...)");
  }
  return f;
}

}  // namespace minerisk::python
