#pragma once
// Numpy arrays in and out of the kernels. Inputs that are already C-contiguous float32 are
// used in place (no copy); any other dtype or layout is converted once (a copy, documented in
// each function's docstring). Outputs are allocated as numpy arrays and written in place.
#include <cmath>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::python {

namespace py = pybind11;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// A 2-D float32 C-contiguous view of `a` (converted if needed), with a clear error otherwise.
inline FloatArray as_grid(const py::handle& a, const char* name) {
  FloatArray out = FloatArray::ensure(a);
  if (!out) throw py::type_error(std::string(name) + ": expected a numpy array of numbers");
  if (out.ndim() != 2) throw py::value_error(std::string(name) + ": expected a 2-D array (rows, columns), got " +
                                             std::to_string(out.ndim()) + "-D");
  if (out.shape(0) == 0 || out.shape(1) == 0) throw py::value_error(std::string(name) + ": the array is empty");
  return out;
}

/// The grid frame of an array: its geotransform (GDAL order), or a cell size from the origin.
inline kernels::GridFrame frame_of(py::ssize_t rows, py::ssize_t cols, const std::optional<py::tuple>& geotransform,
                                   const std::optional<py::tuple>& cell_size, bool geographic) {
  kernels::GridFrame f;
  f.width = cols;
  f.height = rows;
  f.geographic = geographic;
  if (geotransform) {
    if (geotransform->size() != 6) throw py::value_error("geotransform: expected 6 numbers (GDAL order)");
    for (size_t i = 0; i < 6; ++i) f.geotransform[i] = (*geotransform)[i].cast<double>();
    for (double v : f.geotransform)
      if (!std::isfinite(v)) throw py::value_error("geotransform: every number must be finite");
    if (f.geotransform[2] != 0 || f.geotransform[4] != 0 || !(f.geotransform[1] > 0) || !(f.geotransform[5] < 0))
      throw py::value_error("geotransform: must be north-up (positive pixel width, negative height, no rotation)");
    // Degrees on a geographic grid: latitudes beyond the poles, or more than the whole circle of
    // longitude, are no place on the Earth (the metres per degree would be made up).
    const double top = f.geotransform[3], bottom = top + f.geotransform[5] * static_cast<double>(rows);
    if (geographic && (top > 90 || bottom < -90 || f.geotransform[1] * static_cast<double>(cols) > 360))
      throw py::value_error("geotransform: a geographic grid must lie within latitudes -90 to 90 and span at most "
                            "360 degrees of longitude");
  } else if (cell_size) {
    if (cell_size->size() != 2) throw py::value_error("cell_size: expected (x, y) in metres");
    const double dx = (*cell_size)[0].cast<double>(), dy = (*cell_size)[1].cast<double>();
    if (!(dx > 0) || !(dy > 0) || !std::isfinite(dx) || !std::isfinite(dy))
      throw py::value_error("cell_size: both sizes must be positive, finite numbers of metres");
    f.geotransform = {0.0, dx, 0.0, dy * static_cast<double>(rows), 0.0, -dy};
  } else {
    throw py::value_error("give cell_size=(x, y) in metres or geotransform=(...)");
  }
  return f;
}

}  // namespace minerisk::python
