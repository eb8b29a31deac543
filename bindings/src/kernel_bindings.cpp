// The kernels on numpy arrays: each releases the GIL while it runs and works on tiles in
// parallel (oneTBB), as the command line does.
#include <pybind11/stl.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <map>

#include "arrays.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/ops/focal.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/vector_inputs.hpp"
#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/distance_transform.hpp"
#include "minerisk/kernels/focal.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/terrain.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::python {
namespace {

constexpr int64_t kTile = 512;

// Calls work(window, halo_buffer) for every tile of a rows x cols array (the one tiler's
// squares), in parallel; the buffer holds the window grown by `halo`, NaN past the array's edge.
template <class Work>
void over_tiles(const float* src, int64_t rows, int64_t cols, int64_t halo, Work&& work) {
  const std::vector<kernels::Window> tiles = kernels::TilePlan(cols, rows, kTile).tiles();
  tbb::parallel_for(size_t{0}, tiles.size(), [&](size_t i) {
    const kernels::Window g = tiles[i].grown(halo);
    std::vector<float> buffer(static_cast<size_t>(g.cells()), NAN);
    if (src)
      for (int64_t r = std::max<int64_t>(0, g.row0); r < std::min(rows, g.row0 + g.height); ++r) {
        const int64_t c0 = std::max<int64_t>(0, g.col0), c1 = std::min(cols, g.col0 + g.width);
        std::copy(src + r * cols + c0, src + r * cols + c1, buffer.begin() + (r - g.row0) * g.width + (c0 - g.col0));
      }
    work(tiles[i], buffer);
  });
}

// Copies a tile's result into the output array.
void place(const std::vector<float>& tile_values, const kernels::Window& w, float* out, int64_t cols) {
  for (int64_t r = 0; r < w.height; ++r)
    std::copy_n(tile_values.begin() + r * w.width, w.width, out + (w.row0 + r) * cols + w.col0);
}

FloatArray new_grid(py::ssize_t rows, py::ssize_t cols) { return FloatArray({rows, cols}); }

// A new rows x cols grid filled tile by tile by kernel(window, values), without the GIL.
template <class Kernel>
FloatArray compute_grid(py::ssize_t rows, py::ssize_t cols, Kernel&& kernel) {
  FloatArray out = new_grid(rows, cols);
  float* dst = out.mutable_data();
  py::gil_scoped_release release;
  over_tiles(nullptr, rows, cols, 0, [&](const kernels::Window& w, const std::vector<float>&) {
    std::vector<float> values(static_cast<size_t>(w.cells()));
    kernel(w, values);
    place(values, w, dst, cols);
  });
  return out;
}

FloatArray terrain(const py::object& dem_in, const std::string& measure, std::optional<py::object> cell_size,
                   std::optional<py::object> geotransform, bool geographic, bool compute_edges, bool zero_for_flat,
                   bool trigonometric) {
  static const std::map<std::string, kernels::TerrainMeasure> measures = {
      {"slope", kernels::TerrainMeasure::slope_degrees}, {"slope_percent", kernels::TerrainMeasure::slope_percent},
      {"aspect", kernels::TerrainMeasure::aspect}, {"ruggedness", kernels::TerrainMeasure::ruggedness}};
  // In any case, as the command line and minerisk.tools take names ("Slope").
  const kernels::TerrainMeasure chosen = named_in_any_case(measures, measure, "measure");
  const FloatArray dem = as_grid(dem_in, "dem");
  const auto rows = dem.shape(0), cols = dem.shape(1);
  const kernels::GridFrame frame = frame_of(rows, cols, geotransform, cell_size, geographic);
  FloatArray out = new_grid(rows, cols);
  const kernels::TerrainOptions options{compute_edges ? kernels::EdgeMode::extrapolate : kernels::EdgeMode::nodata,
                                        zero_for_flat, trigonometric};
  const float* src = dem.data();
  float* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    over_tiles(src, rows, cols, 1, [&](const kernels::Window& w, const std::vector<float>& buffer) {
      std::vector<float> values(static_cast<size_t>(w.cells()));
      kernels::terrain(buffer, w, frame, values, chosen, options);
      place(values, w, dst, cols);
    });
  }
  refuse_infinite_result(out, measure);  // a slope in percent between heights of +-3e38
  return out;
}

FloatArray hillshade(const py::object& dem_in, double azimuth, double altitude, double z_factor,
                     std::optional<py::object> cell_size, std::optional<py::object> geotransform, bool geographic,
                     bool compute_edges) {
  if (!(altitude >= 0 && altitude <= 90)) throw py::value_error("altitude: must be 0 to 90 degrees");
  if (!std::isfinite(azimuth) || !std::isfinite(z_factor)) throw py::value_error("azimuth and z_factor: must be finite");
  const FloatArray dem = as_grid(dem_in, "dem");
  const auto rows = dem.shape(0), cols = dem.shape(1);
  const kernels::GridFrame frame = frame_of(rows, cols, geotransform, cell_size, geographic);
  FloatArray out = new_grid(rows, cols);
  const kernels::HillshadeOptions options{azimuth, altitude, z_factor};
  const kernels::EdgeMode edges = compute_edges ? kernels::EdgeMode::extrapolate : kernels::EdgeMode::nodata;
  const float* src = dem.data();
  float* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    over_tiles(src, rows, cols, 1, [&](const kernels::Window& w, const std::vector<float>& buffer) {
      std::vector<float> values(static_cast<size_t>(w.cells()));
      kernels::hillshade(buffer, w, frame, values, options, edges);
      place(values, w, dst, cols);
    });
  }
  return out;
}

// The features of a mask: its cells that are neither 0 nor NaN, told as the array stores them. A
// float64 or wide integer array is read as doubles: as float32, 1e-50 was 0 (no feature), as the
// command line's proximity takes a Float64 raster exactly.
template <class Array>
std::vector<uint8_t> features_of(const Array& mask) {
  const auto* src = mask.data();
  std::vector<uint8_t> features(static_cast<size_t>(mask.shape(0) * mask.shape(1)));
  for (size_t i = 0; i < features.size(); ++i) features[i] = src[i] != 0 && !std::isnan(src[i]);
  return features;
}

std::vector<uint8_t> mask_features(const py::object& mask_in, py::ssize_t& rows, py::ssize_t& cols) {
  const py::array given = py::array::ensure(mask_in);
  const bool fits_float = given && given.itemsize() <= 2 && given.dtype().kind() != 'c';
  const bool is_float32 = given && given.dtype().kind() == 'f' && given.itemsize() == 4;
  if (fits_float || is_float32) {
    const FloatArray mask = as_grid(mask_in, "mask");
    rows = mask.shape(0), cols = mask.shape(1);
    return features_of(mask);
  }
  const DoubleArray mask = as_grid_of<DoubleArray>(mask_in, "mask");
  rows = mask.shape(0), cols = mask.shape(1);
  return features_of(mask);
}

py::object distance_transform(const py::object& mask_in, std::optional<py::object> cell_size,
                              std::optional<py::object> geotransform, bool geographic, bool return_nearest) {
  py::ssize_t rows = 0, cols = 0;
  const std::vector<uint8_t> features = mask_features(mask_in, rows, cols);
  const kernels::GridFrame frame = frame_of(rows, cols, geotransform, cell_size, geographic);
  FloatArray distance = new_grid(rows, cols);
  py::array_t<int64_t> nearest;
  if (return_nearest) nearest = py::array_t<int64_t>({rows, cols});
  float* dst = distance.mutable_data();
  int64_t* near = return_nearest ? nearest.mutable_data() : nullptr;
  {
    py::gil_scoped_release release;
    const auto cells = static_cast<size_t>(rows * cols);
    kernels::euclidean_distance_transform(features, frame, std::span<float>(dst, cells),
                                          near ? std::span<int64_t>(near, cells) : std::span<int64_t>());
  }
  if (return_nearest) return py::make_tuple(distance, nearest);
  return distance;
}

std::vector<kernels::Segment> segments_from(const py::object& segments_in) {
  if (segments_in.is_none()) throw py::type_error("segments: expected an (n, 4) array of x0, y0, x1, y1, not None");
  const DoubleArray s = DoubleArray::ensure(segments_in);
  if (!s || s.ndim() != 2 || s.shape(1) != 4) throw py::value_error("segments: expected an (n, 4) array of x0, y0, x1, y1");
  std::vector<kernels::Segment> out;
  for (py::ssize_t i = 0; i < s.shape(0); ++i) {
    out.push_back({s.at(i, 0), s.at(i, 1), s.at(i, 2), s.at(i, 3)});
    // A NaN end would be no segment at all, silently: every cell would be "infinitely far".
    if (!std::isfinite(out.back().x0) || !std::isfinite(out.back().y0) || !std::isfinite(out.back().x1) ||
        !std::isfinite(out.back().y1))
      throw py::value_error("segments: row " + std::to_string(i) + " has an end that is not a finite coordinate");
  }
  return out;
}

// A grid's shape: a tuple, list or numpy array of two positive whole numbers (Python's or numpy's).
std::pair<py::ssize_t, py::ssize_t> shape_of(const py::object& shape) {
  const auto bad = [] { return py::value_error("shape: expected (rows, columns), two positive whole numbers"); };
  const std::optional<py::sequence> pair = items_of(shape, 2);
  if (!pair) throw bad();
  py::ssize_t n[2];
  for (size_t i = 0; i < 2; ++i) {
    const py::object v = (*pair)[i];
    if (PyBool_Check(v.ptr()) || !PyIndex_Check(v.ptr())) throw bad();
    n[i] = PyNumber_AsSsize_t(v.ptr(), PyExc_OverflowError);
    if (n[i] == -1 && PyErr_Occurred()) {  // beyond 64 bits
      PyErr_Clear();
      throw bad();
    }
    if (n[i] < 1) throw bad();
  }
  return {n[0], n[1]};
}

// On a geographic grid, as the command line places a vector layer: a latitude beyond a pole is no
// place on the Earth, and longitudes a whole turn apart are one place, so each is moved by whole
// turns to lie nearest `anchor` (the grid's centre, or a line's previous vertex): a find at
// 400 degrees was measured 22,000 km away, across the globe, from a grid at 0.3.
double checked_and_placed_longitude(double lon, double lat, double anchor, const std::string& what, size_t row) {
  if (std::abs(lat) > 90)
    throw py::value_error(what + ": row " + std::to_string(row) + " has latitude " + minerisk::number_text(lat) +
                          ", beyond the poles; give longitude, latitude in degrees");
  return minerisk::nearest_turn(lon, anchor);
}

double centre_longitude(const kernels::GridFrame& frame) {
  return frame.geotransform[0] + frame.geotransform[1] * static_cast<double>(frame.width) / 2;
}

FloatArray line_distance(const py::object& segments_in, const py::object& shape, const py::object& geotransform, bool geographic, double cap,
                         bool signed_distance, bool connected) {
  if (!(cap > 0)) throw py::value_error("cap: must be a positive distance in metres (inf: none)");
  std::vector<kernels::Segment> segments = segments_from(segments_in);
  // Consecutive segments that share an end point belong to one line: link them for the side. On
  // a geographic grid, 180.5 and -179.5 are one longitude.
  const auto same_x = [&](double a, double b) {
    return geographic ? std::abs(minerisk::nearest_turn(b, a) - a) <= 1e-9 : a == b;  // a turn on may round
  };
  if (connected)
    for (size_t i = 0; i + 1 < segments.size(); ++i)
      if (same_x(segments[i].x1, segments[i + 1].x0) && segments[i].y1 == segments[i + 1].y0)
        segments[i].next = static_cast<int32_t>(i + 1), segments[i + 1].prev = static_cast<int32_t>(i);
  const auto [rows_given, cols_given] = shape_of(shape);
  const py::ssize_t rows = rows_given, cols = cols_given;  // plain variables: a lambda below may capture them
  const kernels::GridFrame frame = frame_of(rows, cols, geotransform, std::nullopt, geographic);
  if (geographic)
    for (size_t i = 0; i < segments.size(); ++i) {
      kernels::Segment& s = segments[i];
      // A line's next segment starts where this one ended, so it continues from there.
      const double anchor = s.prev >= 0 ? segments[static_cast<size_t>(s.prev)].x1 : centre_longitude(frame);
      s.x0 = checked_and_placed_longitude(s.x0, s.y0, anchor, "segments", i);
      s.x1 = checked_and_placed_longitude(s.x1, s.y1, s.x0, "segments", i);
    }
  return compute_grid(rows, cols, [&](const kernels::Window& w, std::vector<float>& values) {
    kernels::line_distance_metres(segments, w, frame, values, cap, signed_distance);
  });
}

FloatArray point_density(const py::object& points_in, const py::object& shape, const py::object& geotransform, double bandwidth,
                         double truncate, bool geographic) {
  if (points_in.is_none()) throw py::type_error("points: expected an (n, 2) or (n, 3) array, not None");
  const DoubleArray p = DoubleArray::ensure(points_in);
  if (!p || p.ndim() != 2 || (p.shape(1) != 2 && p.shape(1) != 3))
    throw py::value_error("points: expected an (n, 2) array of x, y or (n, 3) of x, y, weight");
  if (!(bandwidth >= kernels::kMinBandwidth && bandwidth <= kMaxDistance))  // as the density tool and a scenario
    throw py::value_error("bandwidth: must be metres from 0.001 (a millimetre) to 1e7 (10,000 km), e.g. 250");
  if (!(truncate > 0) || !std::isfinite(truncate)) throw py::value_error("truncate: must be a positive, finite number of bandwidths");
  std::vector<kernels::WeightedPoint> points;
  for (py::ssize_t i = 0; i < p.shape(0); ++i) {
    points.push_back({p.at(i, 0), p.at(i, 1), p.shape(1) == 3 ? p.at(i, 2) : 1.0});
    // A NaN weight would make every cell it reaches NaN; a point at an infinite place, none.
    if (!std::isfinite(points.back().x) || !std::isfinite(points.back().y) || !std::isfinite(points.back().weight))
      throw py::value_error("points: row " + std::to_string(i) + " holds a coordinate or weight that is not a finite number");
    // A weight is a count of items, as the command line's --weight-field: a density is never negative.
    if (points.back().weight < 0)
      throw py::value_error("points: row " + std::to_string(i) + " has a negative weight; a weight counts items (0 or more)");
  }
  const auto [rows_given, cols_given] = shape_of(shape);
  const py::ssize_t rows = rows_given, cols = cols_given;  // plain variables: a lambda below may capture them
  const kernels::GridFrame frame = frame_of(rows, cols, geotransform, std::nullopt, geographic);
  if (geographic)
    for (size_t i = 0; i < points.size(); ++i)
      points[i].x = checked_and_placed_longitude(points[i].x, points[i].y, centre_longitude(frame), "points", i);
  FloatArray density = compute_grid(rows, cols, [&](const kernels::Window& w, std::vector<float>& values) {
    kernels::gaussian_density_per_km2(points, bandwidth, w, frame, values, truncate);
  });
  refuse_infinite_result(density, "point_density");
  return density;
}

FloatArray focal(const py::object& values_in, double radius, const std::string& statistic, const std::string& shape,
                 std::optional<py::object> cell_size, std::optional<py::object> geotransform, bool geographic) {
  // As the focal tool refuses a geographic raster: a circle of metres is no circle of degrees.
  if (geographic)
    throw py::value_error("geographic=True: a radius in metres needs a projected grid; warp the raster to a projected "
                          "CRS first (gdalwarp -t_srs)");
  // The focal tool's names, in any case ("MAX"), refused with its message.
  const kernels::FocalStatistic chosen = named_in_any_case(ops::focal_statistics(), statistic, "statistic");
  const kernels::FocalShape chosen_shape = named_in_any_case(ops::focal_shapes(), shape, "shape");
  if (!(radius >= 0) || !std::isfinite(radius)) throw py::value_error("radius: give metres, 0 or more (finite)");
  const FloatArray values = as_grid(values_in, "values");
  const auto rows = values.shape(0), cols = values.shape(1);
  const kernels::GridFrame frame = frame_of(rows, cols, geotransform, cell_size, false);
  const kernels::Neighbourhood n =
      kernels::neighbourhood(chosen_shape, radius, frame);
  if (n.halo() > kernels::kMaxToolHalo)
    throw py::value_error("radius: " + number_text(radius) + " m spans more than " + std::to_string(kernels::kMaxToolHalo) +
                          " cells; use a smaller radius or coarser cells");
  FloatArray out = new_grid(rows, cols);
  const float* src = values.data();
  float* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    over_tiles(src, rows, cols, n.halo(), [&](const kernels::Window& w, const std::vector<float>& buffer) {
      std::vector<float> result(static_cast<size_t>(w.cells()));
      kernels::focal_statistic(buffer, w, n, chosen, result);
      place(result, w, dst, cols);
    });
  }
  refuse_infinite_result(out, "focal");
  return out;
}

}  // namespace

void add_kernels(py::module_& m) {
  const char* grid_args = "cell_size=(x, y) in metres (projected) or geotransform=(GDAL's 6 numbers) with "
                          "geographic=True for degrees";
  m.def("terrain", &terrain, py::arg("dem"), py::arg("measure") = "slope", py::kw_only(), py::arg("cell_size") = py::none(),
        py::arg("geotransform") = py::none(), py::arg("geographic") = false, py::arg("compute_edges") = true,
        py::arg("zero_for_flat") = false, py::arg("trigonometric") = false,
        (std::string("Slope (degrees or percent), aspect or ruggedness of a DEM by Horn's method, as gdaldem.\n"
                     "dem: 2-D array, NaN for no-data (float32 C-contiguous arrays are used in place; others are "
                     "converted, one copy). ") + grid_args + ". Returns float32, NaN for no-data.").c_str());
  m.def("hillshade", &hillshade, py::arg("dem"), py::kw_only(), py::arg("azimuth") = 315.0, py::arg("altitude") = 45.0,
        py::arg("z_factor") = 1.0, py::arg("cell_size") = py::none(), py::arg("geotransform") = py::none(),
        py::arg("geographic") = false, py::arg("compute_edges") = true,
        (std::string("Hillshade of a DEM by Horn's method, as gdaldem hillshade: the cosine of the angle between "
                     "the surface's normal and the light (from `azimuth` degrees clockwise from north, `altitude` "
                     "degrees above the horizon), 0 in the cell's own shadow, 1 facing the light; gdaldem's byte is "
                     "round(1 + 254 * value). ") + grid_args + ". Returns float32, NaN for no-data.").c_str());
  m.def("distance_transform", &distance_transform, py::arg("mask"), py::kw_only(), py::arg("cell_size") = py::none(),
        py::arg("geotransform") = py::none(), py::arg("geographic") = false, py::arg("return_nearest") = false,
        "Exact Euclidean distance in metres from each cell to the nearest non-zero cell of `mask`; with "
        "return_nearest=True also the nearest feature's flat index (-1 if none).");
  m.def("line_distance", &line_distance, py::arg("segments"), py::arg("shape"), py::kw_only(), py::arg("geotransform"),
        py::arg("geographic") = false, py::arg("cap") = INFINITY, py::arg("signed") = false, py::arg("connected") = true,
        "Exact distance in metres from each cell centre of a grid (shape, geotransform) to the nearest of the "
        "segments ((n, 4): x0, y0, x1, y1 in the grid's CRS), clamped to cap; signed=True: + left of the line's "
        "direction, - right (consecutive segments sharing end points are one line).");
  m.def("point_density", &point_density, py::arg("points"), py::arg("shape"), py::kw_only(), py::arg("geotransform"),
        py::arg("bandwidth"), py::arg("truncate") = kernels::kDefaultTruncate, py::arg("geographic") = false,
        "Gaussian kernel density of points ((n, 2) x, y or (n, 3) with weights, counts of 0 or more) at each cell centre, "
        "in items per km2.");
  m.def("focal", &focal, py::arg("values"), py::kw_only(), py::arg("radius"), py::arg("statistic") = "mean",
        py::arg("shape") = "circle", py::arg("cell_size") = py::none(), py::arg("geotransform") = py::none(),
        py::arg("geographic") = false,
        "Moving-window mean, sum, count, max or min over a circle or square of `radius` metres; NaN cells left out. "
        "A projected grid only: geographic=True is refused, as the focal tool refuses a raster in degrees.");
}

}  // namespace minerisk::python
