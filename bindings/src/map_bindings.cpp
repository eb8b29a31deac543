// `_minerisk.map`: a printable map of a grid (minerisk map), the same ops::map call as the
// command line; with no output, the map as PNG bytes (for a notebook, or a web page).

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/map.hpp"
#include "python_support.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace minerisk::python {
namespace {

ops::MapOptions map_options(const py::dict& options) {
  static const std::set<std::string> known = {"variable", "areas", "extent", "size", "orientation", "dpi",
                                              "title", "breaks", "t1", "t2", "dem", "hillshade", "roads",
                                              "settlements", "context", "disclaimer", "qgis_project"};
  for (const auto& [key, value] : options)
    if (!known.contains(py::str(key).cast<std::string>()))
      throw py::type_error("map() got an unexpected keyword argument '" + py::str(key).cast<std::string>() + "'");
  ops::MapOptions o;
  const auto given = [&](const char* key) { return options.contains(key) && !options[key].is_none(); };
  const auto text = [&](const char* key) { return option_as<std::string>(options, key, "map", "a str of UTF-8 text"); };
  const auto number = [&](const char* key) { return option_as<double>(options, key, "map", "a number"); };
  const auto path = [&](const char* key) { return option_as<fs::path>(options, key, "map", "a path"); };
  const auto flag = [&](const char* key) { return option_as<bool>(options, key, "map", "True or False"); };
  if (given("variable")) o.variable = text("variable");
  if (given("areas")) o.areas = path("areas");
  if (given("extent")) o.extent = option_as<std::vector<double>>(options, "extent", "map", "four numbers");
  if (given("size")) o.size = text("size");
  if (given("orientation")) o.orientation = text("orientation");  // in any case, as the engine takes it
  if (given("dpi")) o.dpi = number("dpi");
  if (given("title")) o.title = text("title");
  if (given("breaks")) o.breaks = text("breaks");  // in any case, as the engine takes it
  // NaN stands for "not given" in MapOptions: an explicit nan is refused, as areas() refuses it.
  for (const auto& [key, into] : {std::pair{"t1", &o.t1}, std::pair{"t2", &o.t2}})
    if (given(key) && std::isnan(*into = number(key)))
      throw UserError(std::string(key) + ": nan is not a number; leave it out for the default");
  if (given("dem")) o.dem = path("dem");
  if (given("hillshade")) o.hillshade = flag("hillshade");
  if (given("context")) o.context = flag("context");
  if (given("roads")) o.roads = names_of(options["roads"]);
  if (given("settlements")) o.settlements = names_of(options["settlements"]);
  if (given("disclaimer")) o.disclaimer = text("disclaimer");
  if (given("qgis_project")) o.qgis_project = path("qgis_project");
  if (o.extent.size() != 4 && given("extent")) throw UserError("extent: give four numbers (xmin, ymin, xmax, ymax)");
  return o;
}

py::object map(const fs::path& grid, const std::optional<fs::path>& output, const py::dict& options, int threads,
               bool overwrite) {
  const ops::MapOptions o = map_options(options);
  ops::Control control = python_control("map", threads, /*quiet=*/true, overwrite);
  Interruptible interruptible(control);
  if (!output && o.qgis_project.empty())
    return py::bytes(interruptible.run([&] { return ops::map_png(grid, o, control); }));
  const ops::MapResult r = interruptible.run([&] { return ops::map(grid, output.value_or(fs::path()), o, control); });
  py::dict out;
  out["output"] = path_object(r.output);  // a str, as os.fsdecode gives it (as the other calls return paths)
  out["format"] = r.format;
  out["page_mm"] = py::make_tuple(r.page_width_mm, r.page_height_mm);
  out["cells_per_pixel"] = r.cells_per_pixel;
  out["layers"] = r.layers;
  out["warnings"] = r.warnings;
  out["areas"] = r.areas;
  out["seconds"] = r.seconds;
  out["qgis_project"] = r.qgis_project.empty() ? py::object(py::none()) : path_object(r.qgis_project);  // None: not written
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
