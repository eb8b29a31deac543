#include "minerisk/engine/ops/map.hpp"

#include "minerisk/engine/ops/areas.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <system_error>

#include "../render/map_composer.hpp"
#include "../render/map_rasters.hpp"
#include "../render/qgis_project.hpp"
#include "areas_source.hpp"
#include "grid_context.hpp"
#include "map_texts.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"

namespace minerisk::ops {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string format_of(const std::filesystem::path& output) {
  for (const char* format : {"png", "pdf"})
    if (has_extension(output, std::string(".") + format)) return format;
  throw UserError("-o " + output.string() + ": a map is written as .pdf or .png; name the file with one of them");
}

// The options checked, with the names of choices spelt as the engine compares them ("Quantile"
// is "quantile"): the command line and the Python module take them in any case.
MapOptions checked_options(MapOptions o) {
  // Each given threshold a probability; the pair is checked once the areas' own have been taken.
  for (const auto& [value, option] : {std::pair{o.t1, "--t1"}, std::pair{o.t2, "--t2"}})
    if (!std::isnan(value) && !(value > 0 && value < 1))
      throw UserError(std::string(option) + " " + number_text(value) + " is not a probability above 0 and below 1");
  o.breaks = choice_in_any_case(o.breaks, {"log", "quantile"}, "--breaks");  // the command line's words
  if (!(o.dpi >= 30 && o.dpi <= 1200)) throw UserError("--dpi " + number_text(o.dpi) + " is out of range: give 30 to 1200");
  return o;
}

// The layers named on the command line must exist (a missing one is a typo, never skipped),
// checked before the outputs are: a typo in one is named before an output that exists is. A
// GDAL dataset name (/vsizip/a.zip/roads.shp) is checked by its local file; whether GDAL reads
// it is found when it is opened.
void require_named_files(const MapOptions& o) {
  for (const auto& [names, option] : {std::pair{&o.roads, "--roads"}, std::pair{&o.settlements, "--settlements"}})
    for (const std::string& name : *names) require_input_file(vector_spec(name, option).path, option);
  if (!o.areas.empty()) require_input_file(o.areas, "--areas");
}

struct PreparedMap {
  render::MapContent content;
  std::vector<std::filesystem::path> inputs;  // every file read, never to be written over
  std::map<std::string, double> seconds;
};

// Values outside 0 to 1 (not a probability: a count, a difference) fall in the end classes, and
// a view of no data is drawn as a blank map: said, never hidden. The overview keeps each pixel's
// largest value, so it is all no data only when the cells shown are. An infinity is no data, as
// everywhere a grid is read as probabilities.
void warn_of_values(const std::vector<float>& values, bool whole_grid, std::vector<std::string>& warnings) {
  float low = 0, high = 1;
  bool any = false;
  for (float v : values)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v), any = true;
  if (!any)
    warnings.push_back(whole_grid ? "the grid holds no cell with data: the map shows no probability (check the "
                                    "grid's no-data value, or the run that wrote it)"
                                  : "the map's extent holds no cell with data: the map shows no probability (check "
                                    "--extent against the grid's)");
  if (low < 0 || high > 1)
    warnings.push_back("the grid holds values from " + number_text(low) + " to " + number_text(high) +
                       ", outside 0 to 1: they are drawn in the first and last classes");
}

// The layers named on the command line: roads, settlements and the hazard areas (each entry
// point has checked that they exist, require_named_files).
void add_named_layers(const MapOptions& o, PreparedMap& m) {
  for (const auto& [names, kind, label, option] :
       {std::tuple{&o.roads, render::ContextKind::roads, "Roads", "--roads"},
        std::tuple{&o.settlements, render::ContextKind::settlements, "Settlements", "--settlements"}})
    for (const std::string& name : *names) {
      const VectorInputSpec spec = vector_spec(name, option);
      render::check_context_layer(spec, option, kind == render::ContextKind::settlements);
      m.content.context.push_back({kind, label, spec});
      m.inputs.push_back(spec.path);
    }
  if (!o.areas.empty()) {
    m.content.areas = o.areas;
    m.inputs.push_back(o.areas);
  }
}

// `png`: the page will be a PNG, whose size is checked before any reading.
PreparedMap prepare(const std::filesystem::path& grid_file, const MapOptions& given, const Control& control, bool png) {
  MapOptions o = checked_options(given);
  control.check();
  PreparedMap m;
  render::MapContent& c = m.content;
  GridFileReader reader(grid_file, o.variable);
  const Grid& grid = reader.grid();
  if (!o.areas.empty()) check_areas_and_take_thresholds(o.areas, reader, o.t1, o.t2);
  if (std::isnan(o.t1)) o.t1 = kDefaultT1;  // as minerisk areas
  if (std::isnan(o.t2)) o.t2 = kDefaultT2;
  // Below 0.0001 the log classes (1-2-5 steps from a tenth of T1) would not fit a legend.
  if (!(o.t1 >= kMinT1 && o.t1 < o.t2 && o.t2 < 1))
    throw UserError("--t1 " + number_text(o.t1) + " and --t2 " + number_text(o.t2) +
                    ": the land-release thresholds need 0.0001 <= T1 < T2 < 1 (defaults 0.05 and 0.5, or those "
                    "the --areas were classed at)");
  // Every file the grid names is an input, read or not (the QGIS project reads the evidence
  // file; a project-only map reads no DEM): none may be written over.
  m.inputs.push_back(grid_file);
  if (!reader.evidence_file().empty()) m.inputs.push_back(reader.evidence_file());
  const std::filesystem::path named_dem = scenario_dem_named(reader);
  if (!named_dem.empty()) m.inputs.push_back(named_dem);
  const kernels::Window cells = render::cells_of_extent(grid, o.extent);
  c.page = render::page_layout(o.size, o.orientation, render::display_aspect(grid, cells));
  c.view = render::fit_view(grid, cells, c.page.map_x, c.page.map_y, c.page.map_w, c.page.map_h, o.dpi);
  if (png) render::Drawing::check_png_size(c.page.width, c.page.height, o.dpi);

  // Every file named on the command line is checked before the grid is read.
  std::filesystem::path dem;
  if (o.hillshade) {
    if (!o.dem.empty()) require_input_file(o.dem, "--dem");
    dem = o.dem.empty() ? scenario_dem(reader) : o.dem;
    if (dem.empty() && !named_dem.empty())
      m.content.warnings.push_back("Hillshade not drawn: the scenario's DEM " + named_dem.string() + " is gone (give --dem)");
  }
  add_named_layers(o, m);

  auto start = Clock::now();
  c.histogram = render::ProbabilityHistogram(o.t1, o.t2);
  c.probability = render::probability_overview(reader, "", c.view, control, o.breaks == "quantile" ? &c.histogram : nullptr);
  m.seconds["read"] = seconds_since(start);
  c.classes = o.breaks == "log" ? render::log_classes(o.t1, o.t2) : render::quantile_classes(c.histogram);
  warn_of_values(c.probability, o.extent.empty(), c.warnings);
  if (!dem.empty()) {
    start = Clock::now();
    c.shade = render::hillshade_overview(dem, c.view, control);
    m.seconds["hillshade"] = seconds_since(start);
    m.inputs.push_back(dem);
  }
  control.check_cancelled();

  if (o.context) {
    static const std::map<std::string, std::pair<render::ContextKind, const char*>> kinds = {
        {"front_lines", {render::ContextKind::front_lines, "Front lines"}},
        {"finds", {render::ContextKind::finds, "Finds of mines and UXO"}},
        {"cleared", {render::ContextKind::cleared, "Cleared land"}},
        {"records", {render::ContextKind::records, "Minefield records"}}};
    for (const ScenarioVector& v : scenario_vectors(reader)) {
      std::error_code error;
      const auto& [kind, label] = kinds.at(v.section);
      if (!std::filesystem::exists(v.spec.path, error)) {
        m.content.warnings.push_back(std::string(label) + " not drawn: the scenario's " + v.spec.path.string() + " is gone");
        continue;
      }
      c.context.push_back({kind, label, v.spec});
      m.inputs.push_back(v.spec.path);
    }
  }
  c.texts = map_texts(reader, grid_file, o, c.view, dem);
  return m;
}

// Draws the prepared map on `page`; the composed layers and warnings go into `result`.
void draw(const render::Drawing& page, PreparedMap& m, MapResult& result) {
  const auto start = Clock::now();
  render::ComposedMap composed = render::compose_map(page, m.content);
  result.layers = composed.layers;
  result.areas = composed.areas;
  // What could not be drawn: said on the page (compose_map) and returned for stderr.
  result.warnings = m.content.warnings;
  result.warnings.insert(result.warnings.end(), composed.warnings.begin(), composed.warnings.end());
  result.seconds = m.seconds;
  result.seconds["draw"] = seconds_since(start);
}

void describe_page(const PreparedMap& m, const MapOptions& o, MapResult& result) {
  result.page_width_mm = m.content.page.width * 25.4 / 72;
  result.page_height_mm = m.content.page.height * 25.4 / 72;
  result.cells_per_pixel = m.content.view.block;
  if (result.format != "png") return;  // a PDF has no pixels
  result.width_px = static_cast<int>(std::ceil(m.content.page.width * o.dpi / 72));
  result.height_px = static_cast<int>(std::ceil(m.content.page.height * o.dpi / 72));
}

}  // namespace

MapResult map(const std::filesystem::path& grid, const std::filesystem::path& output, const MapOptions& options,
              const Control& control) {
  MapResult result;
  // With --qgis-project the picture is optional: the project alone is a map too.
  const bool picture = !output.empty();
  if (!picture && options.qgis_project.empty())
    throw UserError("-o: give the map to write (.pdf or .png), or --qgis-project PROJECT.qgs, or both");
  if (picture) result.format = format_of(output);
  if (!options.qgis_project.empty() && !has_extension(options.qgis_project, ".qgs"))
    throw UserError("--qgis-project " + options.qgis_project.string() + ": the project is written as QGIS's XML "
                    "format; name it .qgs");
  // The output is checked before any work; the inputs found on the way are added as they come.
  require_input_file(grid, "grid");
  require_named_files(options);
  OutputSet outputs({grid}, control.overwrite);
  const size_t k = picture ? outputs.add(output) : 0;
  const size_t project = options.qgis_project.empty() ? 0 : outputs.add(options.qgis_project);
  MapOptions prepared = options;
  prepared.hillshade = options.hillshade && picture;  // the project has no hillshade
  PreparedMap m = prepare(grid, prepared, control, result.format == "png");
  outputs.add_inputs(m.inputs);
  describe_page(m, options, result);
  result.warnings = m.content.warnings;
  result.seconds = m.seconds;
  const auto start = Clock::now();
  if (result.format == "png") {
    const render::Drawing page = render::Drawing::png(m.content.page.width, m.content.page.height, options.dpi);
    draw(page, m, result);
    page.write_png(outputs.temporary(k));
  } else if (result.format == "pdf") {
    render::Drawing page = render::Drawing::pdf(outputs.temporary(k), m.content.page.width, m.content.page.height);
    page.set_pdf_metadata(m.content.texts.title, m.content.texts.subtitle);
    draw(page, m, result);
    page.finish();
  }
  if (picture) result.seconds["write"] = seconds_since(start) - result.seconds["draw"];
  // The QGIS project of the same content, beside it (render/qgis_project).
  if (!options.qgis_project.empty()) {
    const render::QgisProjectSpec spec = render::qgis_project_of_map(grid, options.variable, m.content, result.warnings);
    outputs.write_text(project, render::qgis_project_xml(spec, std::filesystem::absolute(options.qgis_project).parent_path()));
    result.qgis_project = options.qgis_project;
  }
  control.check_cancelled();
  outputs.commit(control.cancel);
  result.output = output;
  return result;
}

std::string map_png(const std::filesystem::path& grid, const MapOptions& options, const Control& control,
                    std::vector<std::string>* warnings) {
  require_named_files(options);
  PreparedMap m = prepare(grid, options, control, true);
  MapResult result;
  const render::Drawing page = render::Drawing::png(m.content.page.width, m.content.page.height, options.dpi);
  draw(page, m, result);
  if (warnings) *warnings = result.warnings;
  return page.png_bytes();
}

}  // namespace minerisk::ops
