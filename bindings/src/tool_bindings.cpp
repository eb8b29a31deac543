// The raster tools, file to file, as the submodule `_minerisk.tools` (minerisk.tools): the same
// engine/ops calls the command line makes, with the same checks and messages. Each releases the
// GIL while it runs; a progress callable(fraction) is called with the GIL held.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/density.hpp"
#include "minerisk/engine/ops/diff.hpp"
#include "minerisk/engine/ops/focal.hpp"
#include "minerisk/engine/ops/proximity.hpp"
#include "minerisk/engine/ops/terrain_tools.hpp"
#include "python_support.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace minerisk::python {
namespace {

// The keyword arguments every tool ends with: the command line's --threads, --tile-size,
// --compress, -of, --co, --overwrite and --quiet, and a progress callable.
struct Common {
  int threads = 0;
  int64_t tile_size = 512;
  std::string compress, format;
  std::vector<std::string> creation_options;
  std::optional<double> dst_nodata;  // --dst-nodata
  bool overwrite = false, quiet = true;
  py::object progress;
};

// The options struct's output part (every tool's options derive from RasterOutputOptions).
template <class Options>
Options with_output(const Common& common) {
  Options o;
  o.compress = common.compress;
  o.format = common.format;
  o.creation_options = common.creation_options;
  o.nodata = common.dst_nodata;
  return o;
}

// Runs op(control) without the GIL, Ctrl-C and `progress` checked after each tile
// (Interruptible); returns the output path as Python spells it.
template <class Op>
py::object run_tool(const fs::path& output, const Common& common, Op&& op) {
  ops::Control control = python_control("tools", common.threads, common.quiet, common.overwrite, common.tile_size);
  Interruptible interruptible(control, common.progress);
  interruptible.run([&] { op(control); });
  return path_object(output);
}

// Each tool's binding takes its own arguments, then the common ones in this order (add_tools
// names them the same way for every tool); `common(...)` gathers them.
Common common(int threads, int64_t tile_size, const std::string& compress, const std::string& format,
              const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite, bool quiet,
              const py::object& progress) {
  return {threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress};
}

py::object slope(const fs::path& dem, const fs::path& output, bool percent, bool compute_edges, int threads,
                  int64_t tile_size, const std::string& compress, const std::string& format,
                  const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite, bool quiet,
                  const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::SlopeOptions>(c);
  o.percent = percent;
  o.compute_edges = compute_edges;
  return run_tool(output, c, [&](const ops::Control& control) { ops::slope(dem, output, o, control); });
}

py::object aspect(const fs::path& dem, const fs::path& output, bool compute_edges, bool trigonometric,
                   bool zero_for_flat, int threads, int64_t tile_size, const std::string& compress,
                   const std::string& format, const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite,
                   bool quiet, const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::AspectOptions>(c);
  o.compute_edges = compute_edges;
  o.trigonometric = trigonometric;
  o.zero_for_flat = zero_for_flat;
  return run_tool(output, c, [&](const ops::Control& control) { ops::aspect(dem, output, o, control); });
}

py::object tri(const fs::path& dem, const fs::path& output, bool compute_edges, int threads, int64_t tile_size,
                const std::string& compress, const std::string& format,
                const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite, bool quiet,
                const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::TriOptions>(c);
  o.compute_edges = compute_edges;
  return run_tool(output, c, [&](const ops::Control& control) { ops::tri(dem, output, o, control); });
}

py::object proximity(const fs::path& input, const fs::path& output, const std::optional<fs::path>& like,
                      const std::string& layer, const std::string& where,
                      const std::optional<std::vector<double>>& values, double max_distance, bool signed_distance,
                      const std::optional<fs::path>& nearest_value, int threads, int64_t tile_size,
                      const std::string& compress, const std::string& format,
                      const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite, bool quiet,
                      const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::ProximityOptions>(c);
  o.like = like.value_or(fs::path());
  o.layer = layer;
  o.where = where;
  o.values = values.value_or(std::vector<double>());
  o.max_distance = max_distance;
  o.signed_distance = signed_distance;
  o.nearest_value = nearest_value.value_or(fs::path());
  return run_tool(output, c, [&](const ops::Control& control) { ops::proximity(input, output, o, control); });
}

py::object density(const fs::path& input, const fs::path& output, double bandwidth,
                    const std::optional<fs::path>& like, const std::string& layer, const std::string& where,
                    const std::string& weight_field, double truncate, int threads, int64_t tile_size,
                    const std::string& compress, const std::string& format,
                    const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite, bool quiet,
                    const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::DensityOptions>(c);
  o.bandwidth = bandwidth;
  o.like = like.value_or(fs::path());
  o.layer = layer;
  o.where = where;
  o.weight_field = weight_field;
  o.truncate = truncate;
  return run_tool(output, c, [&](const ops::Control& control) { ops::density(input, output, o, control); });
}

py::object focal(const fs::path& input, const fs::path& output, double radius, const std::string& statistic,
                  const std::string& shape, int threads, int64_t tile_size, const std::string& compress,
                  const std::string& format, const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite,
                  bool quiet, const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::FocalOptions>(c);
  o.radius = radius;
  o.statistic = ops::focal_statistic_named(statistic);
  o.shape = ops::focal_shape_named(shape);
  return run_tool(output, c, [&](const ops::Control& control) { ops::focal(input, output, o, control); });
}

// The report, as a dict (what `minerisk diff --json` prints), rather than the output path.
py::object diff(const fs::path& old_grid, const fs::path& new_grid, const fs::path& output, double threshold,
                const std::string& variable, int threads, int64_t tile_size, const std::string& compress,
                const std::string& format, const std::vector<std::string>& creation_options, std::optional<double> dst_nodata, bool overwrite,
                bool quiet, const py::object& progress) {
  const Common c = common(threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress);
  auto o = with_output<ops::DiffOptions>(c);
  o.threshold = threshold;
  o.variable = variable;
  ops::ChangeReport report;
  run_tool(output, c,
           [&](const ops::Control& control) { report = ops::diff(old_grid, new_grid, output, o, control); });
  return py::module_::import("json").attr("loads")(report.json());
}

}  // namespace

void add_tools(py::module_& m) {
  py::module_ t = m.def_submodule(
      "tools",
      "The raster tools of the command line (minerisk slope, aspect, tri, proximity, density, focal, diff), file to "
      "file: the same options as keyword arguments, the same output bytes, the same error messages.");
  // Every tool ends with the same keyword arguments, as the command line's --threads,
  // --tile-size, --compress, -of, --co, --dst-nodata, --overwrite and --quiet; and a progress callable.
  const char* common =
      "\n\nthreads: worker threads (0: all cores); tile_size: tile edge in cells, 16 to 16384; compress: ZSTD, "
      "DEFLATE, LZW or NONE; format: a GDAL raster driver that can write (GTiff, COG, netCDF, HFA...; empty: the one "
      "the output's extension names, GTiff for .tif), as -of; creation_options: the driver's KEY=VALUE creation "
      "options over minerisk's defaults, as --co; dst_nodata: the output's no-data value (default: the tool's "
      "own, -9999, NaN for diff; float('nan') for NaN), as --dst-nodata; overwrite: replace an output that exists (never an input; "
      "without it an existing output is refused, as on the command line); quiet: no progress on stderr; progress: "
      "None or a callable(fraction) -> bool called after each tile (with the GIL), False stops the tool "
      "(KeyboardInterrupt, nothing written). The GIL is released while the tool runs. Returns the output path. "
      "Errors a user can fix raise minerisk.Error with the command line's message.";
  auto doc = [&](const char* text) { return std::string(text) + common; };
  const py::arg_v threads = py::arg("threads") = 0, tile_size = py::arg("tile_size") = 512,
                  compress = py::arg("compress") = "ZSTD", format = py::arg("format") = "",
                  creation_options = py::arg_v("creation_options", std::vector<std::string>(), "()"),
                  dst_nodata = py::arg("dst_nodata") = py::none(),
                  overwrite = py::arg("overwrite") = false, quiet = py::arg("quiet") = true,
                  progress = py::arg("progress") = py::none();
  t.def("slope", &slope, py::arg("dem"), py::arg("output"), py::kw_only(), py::arg("percent") = false,
        py::arg("compute_edges") = false, threads, tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet,
        progress,
        doc("Slope by Horn's method in degrees (percent=True: percent), like gdaldem slope; as minerisk slope. "
            "compute_edges: edge cells and cells next to no-data as gdaldem -compute_edges (default: no-data there).")
            .c_str());
  t.def("aspect", &aspect, py::arg("dem"), py::arg("output"), py::kw_only(), py::arg("compute_edges") = false,
        py::arg("trigonometric") = false, py::arg("zero_for_flat") = false, threads, tile_size, compress, format,
        creation_options, dst_nodata, overwrite, quiet, progress,
        doc("Aspect by Horn's method, degrees clockwise from north (trigonometric=True: counter-clockwise from "
            "east), flat cells no-data unless zero_for_flat; as minerisk aspect.")
            .c_str());
  t.def("tri", &tri, py::arg("dem"), py::arg("output"), py::kw_only(), py::arg("compute_edges") = false, threads,
        tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress,
        doc("Terrain ruggedness index (Riley), like gdaldem TRI; as minerisk tri.").c_str());
  t.def("proximity", &proximity, py::arg("input"), py::arg("output"), py::kw_only(), py::arg("like") = py::none(),
        py::arg("layer") = "", py::arg("where") = "", py::arg("values") = py::none(),
        py::arg("max_distance") = INFINITY, py::arg("signed") = false, py::arg("nearest_value") = py::none(), threads,
        tile_size, compress, format, creation_options, dst_nodata, overwrite, quiet, progress,
        doc("Distance in metres to the nearest feature; as minerisk proximity. A raster input: features are its "
            "non-zero cells (or `values`), nearest_value also writes each cell's nearest feature's value. With "
            "like=TEMPLATE, input is a vector layer (layer, where): exact distance to its geometries on the "
            "template's grid, signed=True positive on the left of each line's direction. max_distance clamps.")
            .c_str());
  t.def("density", &density, py::arg("input"), py::arg("output"), py::kw_only(), py::arg("bandwidth"),
        py::arg("like") = py::none(), py::arg("layer") = "", py::arg("where") = "", py::arg("weight_field") = "",
        py::arg("truncate") = kernels::kDefaultTruncate, threads, tile_size, compress, format, creation_options, dst_nodata,
        overwrite, quiet, progress,
        doc("Gaussian kernel density in items per km2 (bandwidth: the kernel's standard deviation in metres, summed "
            "out to `truncate` bandwidths); as minerisk density. With like=TEMPLATE, input is a point layer (layer, "
            "where, weight_field); without, a raster of counts per cell.")
            .c_str());
  t.def("focal", &focal, py::arg("input"), py::arg("output"), py::kw_only(), py::arg("radius"),
        py::arg("statistic") = "mean", py::arg("shape") = "circle", threads, tile_size, compress, format,
        creation_options, dst_nodata, overwrite, quiet, progress,
        doc("Moving-window mean, sum, count, max or min over a circle or square of `radius` metres, leaving out "
            "no-data cells; as minerisk focal.")
            .c_str());
  std::string diff_doc =
      doc("Where the probability rose or fell by more than `threshold` (default 0.01) from old_grid to new_grid, "
          "two grids on the same cells (variable: of both files; default probability); writes the change raster "
          "(NEW - OLD beyond the threshold, 0 within, no-data where either grid has none); as minerisk diff.");
  diff_doc.replace(diff_doc.find("Returns the output path."), 24, "Returns the report as a dict, as --json prints it.");
  t.def("diff", &diff, py::arg("old_grid"), py::arg("new_grid"), py::arg("output"), py::kw_only(),
        py::arg("threshold") = 0.01, py::arg("variable") = "", threads, tile_size, compress, format, creation_options, dst_nodata,
        overwrite, quiet, progress, diff_doc.c_str());
}

}  // namespace minerisk::python
