// `_minerisk.areas`: hazard areas from a grid (minerisk areas), the same ops::areas call as the
// command line. Returns the summary and table as --json writes them, plus each area's polygon
// (and release) as WKB, from which the package's minerisk.areas builds a GeoDataFrame.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <optional>
#include <set>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/areas.hpp"
#include "python_support.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace minerisk::python {
namespace {

py::dict areas(const fs::path& grid, const std::optional<fs::path>& output, const py::dict& options, int threads,
               bool overwrite, bool quiet) {
  ops::AreasOptions o;
  const auto real = [&](const char* key, double& into) {
    if (!options.contains(key) || options[key].is_none()) return;  // None: the default
    into = option_as<double>(options, key, "areas", "a number");
    if (std::isnan(into)) throw UserError(std::string(key) + ": nan is not a number; leave it out for the default");
  };
  // A text option that names a file (PATH:LAYER) or filters by SQL, as the file system spells it.
  const auto text = [&](const char* key, std::string& into) {
    if (options.contains(key) && !options[key].is_none()) into = name_option(options, key, "areas");
  };
  const auto path = [&](const char* key, fs::path& into) {
    if (options.contains(key) && !options[key].is_none()) into = option_as<fs::path>(options, key, "areas", "a path");
  };
  static const std::set<std::string> known = {
      "variable", "t1", "t2", "capture_t1", "capture_t2", "min_area", "smooth", "dem", "access", "impact", "cost",
      "truth", "impact_weight", "area_weight", "slope_weight", "access_weight", "budget_ha", "budget", "polygons",
      "where", "reduce", "csv", "json"};
  for (const auto& [key, value] : options)
    if (!known.contains(py::str(key).cast<std::string>()))
      throw py::type_error("areas() got an unexpected keyword argument '" + py::str(key).cast<std::string>() + "'");
  text("variable", o.variable);
  real("t1", o.t1), real("t2", o.t2), real("capture_t1", o.capture_t1), real("capture_t2", o.capture_t2);
  real("min_area", o.min_area_ha), real("smooth", o.smooth_m);
  path("dem", o.dem), path("impact", o.impact), path("cost", o.cost), path("csv", o.csv), path("json", o.json);
  if (options.contains("access") && !options["access"].is_none()) o.access = names_of(options["access"]);
  text("truth", o.truth), text("polygons", o.polygons), text("where", o.where);
  real("impact_weight", o.impact_weight), real("area_weight", o.area_weight);
  real("slope_weight", o.slope_weight), real("access_weight", o.access_weight);
  real("budget_ha", o.budget_ha), real("budget", o.budget);
  if (options.contains("reduce") && !options["reduce"].is_none()) o.reduce = option_as<bool>(options, "reduce", "areas", "True or False");
  ops::Control control = python_control("areas", threads, quiet, overwrite);
  Interruptible interruptible(control);
  const ops::AreasResult r = interruptible.run([&] { return ops::areas(grid, output.value_or(fs::path()), o, control); });
  py::dict out = py::module_::import("json").attr("loads")(r.json());
  py::list shapes, releases;
  for (const ops::AreaFigures& f : r.areas) {
    shapes.append(py::bytes(f.wkb));
    releases.append(f.release_wkb.empty() ? py::object(py::none()) : py::object(py::bytes(f.release_wkb)));
  }
  out["wkb"] = shapes;
  out["release_wkb"] = releases;
  out["crs_wkt"] = r.summary.crs_wkt;
  py::list columns;  // given polygons: (field, column) as the GeoPackage names them
  for (const auto& a : r.attribute_columns) columns.append(py::make_tuple(a.field, a.column));
  out["attribute_columns"] = columns;
  return out;
}

}  // namespace

void add_areas(py::module_& m) {
  m.def("areas", &areas, py::arg("grid"), py::arg("output") = py::none(), py::arg("options") = py::dict(),
        py::arg("threads") = 0, py::arg("overwrite") = false, py::arg("quiet") = true,
        "minerisk areas: the summary and table (as --json writes them), with each area's polygon as WKB "
        "('wkb', 'release_wkb') and the grid's CRS ('crs_wkt'). Use minerisk.areas, which builds a table.");
}

}  // namespace minerisk::python
