// `_minerisk.map`: a printable map of a grid (minerisk map), the same ops::map call as the
// command line; with no output, the map as PNG bytes (for a notebook, or a web page).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>
#include <set>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/map.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace minerisk::python {
namespace {

// Each of a name or a list of names, as strings.
std::vector<std::string> names_of(const py::handle& value) {
  if (py::isinstance<py::str>(value) || py::isinstance(value, py::module_::import("os").attr("PathLike")))
    return {py::str(value).cast<std::string>()};
  std::vector<std::string> names;
  for (const auto& v : value) names.push_back(py::str(v).cast<std::string>());
  return names;
}

ops::MapOptions map_options(const py::dict& options) {
  static const std::set<std::string> known = {"variable", "areas", "extent", "size", "orientation", "dpi",
                                              "title", "breaks", "t1", "t2", "dem", "hillshade", "roads",
                                              "settlements", "context", "disclaimer", "qgis_project"};
  for (const auto& [key, value] : options)
    if (!known.contains(py::str(key).cast<std::string>()))
      throw py::type_error("map() got an unexpected keyword argument '" + py::str(key).cast<std::string>() + "'");
  ops::MapOptions o;
  const auto given = [&](const char* key) { return options.contains(key) && !options[key].is_none(); };
  if (given("variable")) o.variable = options["variable"].cast<std::string>();
  if (given("areas")) o.areas = options["areas"].cast<fs::path>();
  if (given("extent")) o.extent = options["extent"].cast<std::vector<double>>();
  if (given("size")) o.size = options["size"].cast<std::string>();
  if (given("orientation")) o.orientation = options["orientation"].cast<std::string>();
  if (given("dpi")) o.dpi = options["dpi"].cast<double>();
  if (given("title")) o.title = options["title"].cast<std::string>();
  if (given("breaks")) o.breaks = options["breaks"].cast<std::string>();
  if (given("t1")) o.t1 = options["t1"].cast<double>();
  if (given("t2")) o.t2 = options["t2"].cast<double>();
  if (given("dem")) o.dem = options["dem"].cast<fs::path>();
  if (given("hillshade")) o.hillshade = options["hillshade"].cast<bool>();
  if (given("context")) o.context = options["context"].cast<bool>();
  if (given("roads")) o.roads = names_of(options["roads"]);
  if (given("settlements")) o.settlements = names_of(options["settlements"]);
  if (given("disclaimer")) o.disclaimer = options["disclaimer"].cast<std::string>();
  if (given("qgis_project")) o.qgis_project = options["qgis_project"].cast<fs::path>();
  if (o.extent.size() != 4 && given("extent")) throw UserError("extent: give four numbers (xmin, ymin, xmax, ymax)");
  return o;
}

py::object map(const fs::path& grid, const std::optional<fs::path>& output, const py::dict& options, int threads,
               bool overwrite) {
  const ops::MapOptions o = map_options(options);
  ops::Control control;
  control.threads = threads;
  control.quiet = true;
  control.overwrite = overwrite;
  control.threads_name = "threads";
  control.command_line = "minerisk (Python) map";
  if (!output && o.qgis_project.empty()) {
    std::string png;
    {
      py::gil_scoped_release release;
      png = ops::map_png(grid, o, control);
    }
    return py::bytes(png);
  }
  ops::MapResult r;
  {
    py::gil_scoped_release release;
    r = ops::map(grid, output.value_or(fs::path()), o, control);
  }
  py::dict out;
  out["output"] = r.output;
  out["format"] = r.format;
  out["page_mm"] = py::make_tuple(r.page_width_mm, r.page_height_mm);
  out["cells_per_pixel"] = r.cells_per_pixel;
  out["layers"] = r.layers;
  out["warnings"] = r.warnings;
  out["areas"] = r.areas;
  out["seconds"] = r.seconds;
  out["qgis_project"] = r.qgis_project;
  return out;
}

}  // namespace

void add_map(py::module_& m) {
  m.def("map", &map, py::arg("grid"), py::arg("output") = py::none(), py::arg("options") = py::dict(),
        py::arg("threads") = 0, py::arg("overwrite") = false,
        "minerisk map: writes the map to output (.pdf or .png) and returns what was drawn; with no output, "
        "returns the map as PNG bytes (or, with options['qgis_project'], writes only the QGIS project). Use "
        "minerisk.map.");
}

}  // namespace minerisk::python
