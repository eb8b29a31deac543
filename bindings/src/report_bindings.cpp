// `_minerisk.report`: the HTML report of a grid (minerisk report), the same ops::report call as
// the command line. Returns what was written: the file, the number of hazard areas and the
// sections present.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "minerisk/engine/ops/report.hpp"
#include "python_support.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace minerisk::python {
namespace {

py::dict report(const fs::path& grid, const fs::path& output, const std::optional<fs::path>& areas,
                const std::optional<fs::path>& evaluation, const std::string& title, const std::string& variable,
                int threads, bool overwrite, bool quiet) {
  ops::ReportOptions o;
  if (areas) o.areas = *areas;
  if (evaluation) o.evaluation = *evaluation;
  o.title = title;
  o.map.variable = variable;
  ops::Control control = python_control("report", threads, quiet, overwrite);
  Interruptible interruptible(control);
  const ops::ReportResult r = interruptible.run([&] { return ops::report(grid, output, o, control); });
  py::dict out;
  out["output"] = path_object(r.output);
  out["areas"] = r.areas;
  out["validation"] = r.validation;
  out["sweep"] = r.sweep;
  out["update"] = r.update;
  out["sections"] = r.sections;
  out["bytes"] = r.bytes;
  return out;
}

}  // namespace

void add_report(py::module_& m) {
  m.def("report", &report, py::arg("grid"), py::arg("output"), py::arg("areas") = py::none(),
        py::arg("evaluation") = py::none(), py::arg("title") = "", py::arg("variable") = "", py::arg("threads") = 0,
        py::arg("overwrite") = false, py::arg("quiet") = true,
        "minerisk report: one self-contained HTML page of a grid (map, hazard areas, model, validation, "
        "uncertainty, changes, provenance). Returns the file written, the number of areas and the sections.");
}

}  // namespace minerisk::python
