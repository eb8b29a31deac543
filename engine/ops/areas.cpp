// `minerisk areas`: the probability read once, thresholds resolved, the areas delineated (or
// the given polygons read), their figures tallied, ranked and budgeted, and the files written.
#include "minerisk/engine/ops/areas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "areas_delineate.hpp"
#include "areas_figures.hpp"
#include "areas_inputs.hpp"
#include "areas_polygons.hpp"
#include "areas_rank.hpp"
#include "areas_releases.hpp"
#include "areas_totals.hpp"
#include "areas_write.hpp"
#include "probability_values.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/plane_scale.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "minerisk/kernels/area_tally.hpp"

namespace minerisk::ops {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw UserError(message);
}

void check_options(const AreasOptions& o) {
  const auto share = [](double s) { return std::isnan(s) || (s > 0 && s < 1); };
  const auto probability = [](double t) { return std::isnan(t) || (t > 0 && t < 1); };
  require(probability(o.t1), "--t1: " + number_text(o.t1) + " is not a probability above 0 and below 1 (default 0.05)");
  require(!(o.t1 < kMinT1), "--t1: " + number_text(o.t1) + " is below 0.0001, the lowest T1 a map of the classes " +
                                "draws (default 0.05)");
  require(probability(o.t2), "--t2: " + number_text(o.t2) + " is not a probability above 0 and below 1 (default 0.5)");
  require(share(o.capture_t1), "--capture-t1: give a share above 0 and below 1, e.g. 0.9");
  require(share(o.capture_t2), "--capture-t2: give a share above 0 and below 1, e.g. 0.5");
  require(std::isnan(o.t1) || std::isnan(o.capture_t1), "--t1 and --capture-t1 both set T1; give one of them");
  require(std::isnan(o.t2) || std::isnan(o.capture_t2), "--t2 and --capture-t2 both set T2; give one of them");
  require(std::isfinite(o.min_area_ha) && o.min_area_ha >= 0, "--min-area: give hectares, 0 or more (default 0.5)");
  require(std::isnan(o.smooth_m) || (std::isfinite(o.smooth_m) && o.smooth_m >= 0),
          "--smooth: give metres, 0 (none) or more (default: two cells)");
  for (const auto& [name, w] : {std::pair{"--impact-weight", o.impact_weight}, {"--area-weight", o.area_weight},
                                {"--slope-weight", o.slope_weight}, {"--access-weight", o.access_weight}})
    require(std::isfinite(w) && w >= 0, std::string(name) + ": give a weight, 0 or more");
  require(o.impact_weight == 0 || !o.impact.empty(), "--impact-weight needs --impact RASTER (people or land use)");
  require(o.access_weight == 0 || !o.access.empty(), "--access-weight needs --access LAYER (roads or settlements)");
  require(std::isnan(o.budget_ha) || (std::isfinite(o.budget_ha) && o.budget_ha >= 0), "--budget-ha: give hectares, 0 or more");
  require(std::isnan(o.budget) || (std::isfinite(o.budget) && o.budget >= 0), "--budget: give an amount, 0 or more");
  require(std::isnan(o.budget) || !o.cost.empty(), "--budget needs --cost RASTER (cost per hectare)");
  require(std::isnan(o.budget) || std::isnan(o.budget_ha), "--budget and --budget-ha are two budgets; give one");
  require(!o.reduce || !o.polygons.empty(), "--reduce proposes releases within existing polygons; give --polygons LAYER");
  require(o.where.empty() || !o.polygons.empty(), "--where filters --polygons; give --polygons LAYER");
}

}  // namespace

AreasResult areas(const std::filesystem::path& grid_file, const std::filesystem::path& output,
                  const AreasOptions& options, const Control& control) {
  control.check();
  check_options(options);
  const GridFileReader reader(grid_file, options.variable);
  const Grid& grid = reader.grid();
  AreaInputs in = open_area_inputs(reader, grid_file, options);
  std::optional<GivenPolygons> given;
  if (!options.polygons.empty()) {
    given = read_given_polygons(options.polygons, options.where, grid);
    in.files.push_back(given->path);
  }
  OutputSet outputs(in.files, control.overwrite);
  AreaFiles files = add_area_files(outputs, output, options);
  control.check_cancelled();

  // The probability (4 bytes a cell), and at most about 12 one-byte rasters at once: the classes,
  // the sieve's and polygonize's MEM bands, the two regions, the coverage.
  require_whole_grid_memory(grid, 16, "areas");
  std::vector<float> probability = reader.read();
  infinities_as_no_data(probability);
  const std::string grid_name = "grid '" + grid_file.string() + "'";
  require_probabilities(probability, grid_name);
  in.probability = probability;
  AreasResult result;
  AreasSummary& s = result.summary;
  s.variable = reader.variable().empty() ? "value" : reader.variable();
  s.crs_wkt = grid.crs_wkt;
  s.run_id = reader.attribute("run_id");
  s.inputs_record = tool_inputs_json({{"grid", grid_file}});
  s.layers = in.evidence;
  if (!control.quiet)
    if (const std::string note = area_scale_note(grid); !note.empty()) std::fprintf(stderr, "minerisk: %s\n", note.c_str());
  const kernels::AreaTally everything = tally_grid(probability, grid, control, [](size_t) { return true; });
  s.land_ha = everything.area_m2 / 1e4, s.expected_ha = everything.expected_m2 / 1e4;
  require(everything.cells > 0, grid_name + " has no cell with a probability; nothing to delineate");
  s.t1 = !std::isnan(options.t1) ? options.t1 : kDefaultT1;
  s.t2 = !std::isnan(options.t2) ? options.t2 : kDefaultT2;
  require(everything.expected_m2 > 0 || (std::isnan(options.capture_t1) && std::isnan(options.capture_t2)),
          "--capture-t1/--capture-t2: " + grid_name + " holds no expected contamination (every probability is 0), "
          "so no threshold captures a share of it; give --t1 and --t2");
  if (!std::isnan(options.capture_t1)) s.t1 = threshold_for_share(probability, grid, options.capture_t1, everything.expected_m2, control);
  if (!std::isnan(options.capture_t2)) s.t2 = threshold_for_share(probability, grid, options.capture_t2, everything.expected_m2, control);
  require(s.t1 >= kMinT1, "T1 (" + number_text(s.t1) + ", from --capture-t1) is below 0.0001, the lowest a map of the " +
                             "classes draws; give a smaller --capture-t1 share, or --t1");
  require(s.t1 < s.t2, "T1 (" + number_text(s.t1) + (std::isnan(options.capture_t1) ? "" : ", from --capture-t1") +
                           ") must lie below T2 (" + number_text(s.t2) +
                           (std::isnan(options.capture_t2) ? "" : ", from --capture-t2") +
                           "); give thresholds or capture shares that order them");
  const double cell_m = std::sqrt(kernels::cell_area_m2(grid.frame, grid.height() / 2));
  s.min_area_ha = options.min_area_ha;
  s.smooth_m = std::isnan(options.smooth_m) ? 2 * cell_m : options.smooth_m;
  // A closing wider than the grid only fills it whole, and GEOS fails on buffers near 1e300. The
  // default, two cells, is always taken (a 1 x 1 grid is narrower than it).
  const double across_m =
      std::max(2 * cell_m, cell_m * std::hypot(static_cast<double>(grid.width()), static_cast<double>(grid.height())));
  require(s.smooth_m <= across_m, "--smooth: " + number_text(s.smooth_m) + " m is wider than the grid (" +
                                      number_text(across_m) + " m corner to corner); give at most that");
  control.check_cancelled();

  // The shapes: delineated, or given (then classed by their mean probability, below).
  const DelineationOptions d{s.t1, s.t2, s.min_area_ha, s.smooth_m};
  const bool need_hazard = !given || options.reduce;
  Delineation delineation;
  if (need_hazard) delineation = delineate(probability, grid, d, control);
  std::vector<const OGRGeometry*> shapes;
  if (given)
    for (const GivenPolygon& p : given->polygons) shapes.push_back(p.shape.get());
  else
    for (const DelineatedArea& a : delineation.areas) shapes.push_back(a.shape.get());
  const std::vector<kernels::AreaTally> tallies = tally_areas(shapes, in, control);
  const TallyChannels channels = tally_channels(in);

  std::vector<AreaFigures>& table = result.areas;
  // A delineated polygon of at least the unit may hold a little less land in whole cells: it
  // is dropped too, and its cells go to the rest, so every area is at least the unit both ways.
  // One holding no cell centre at all (a sliver the simplification left, with --min-area 0) is
  // no area to task: dropped whatever the unit.
  std::vector<const OGRGeometry*> kept;
  for (size_t i = 0; i < shapes.size(); ++i) {
    AreaFigures f;
    f.id = static_cast<int64_t>(table.size()) + 1;
    fill_figures(tallies[i], channels, in, f);
    if (!given && (f.area_ha < s.min_area_ha || f.cells == 0)) continue;
    kept.push_back(shapes[i]);
    f.shape_ha = shape_hectares(*shapes[i], grid);
    if (given) {
      // A polygon on no cell with data (off the grid, on no-data, under a cell) gets no advice.
      f.land_class = f.cells == 0 ? kNoData
                                  : (f.mean_p >= s.t2 ? kClearance : (f.mean_p >= s.t1 ? kTechnicalSurvey : kCancellation));
      for (size_t k = 0; k < given->fields.size(); ++k)
        if (!given->polygons[i].null[k]) f.attributes[given->fields[k].name] = given->polygons[i].values[k];
    } else {
      f.land_class = delineation.areas[i].land_class;
    }
    f.wkb.resize(static_cast<size_t>(shapes[i]->WkbSize()));
    shapes[i]->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(f.wkb.data()), wkbVariantIso);
    table.push_back(std::move(f));
  }
  // The land in no area: cells no shape covers (for delineated areas, every other cell is in
  // exactly one area, which the coverage shows); and of it, the land at or above T1 that
  // generalising left out (strips narrower than the smoothing, areas under the unit).
  std::vector<uint8_t> coverage(probability.size(), 0);
  mark_coverage(kept, grid, coverage, control);
  const kernels::AreaTally outside = tally_grid(probability, grid, control, [&](size_t i) { return coverage[i] == 0; });
  s.rest_ha = outside.area_m2 / 1e4, s.rest_expected_ha = outside.expected_m2 / 1e4;
  const float t1 = static_cast<float>(s.t1);
  const kernels::AreaTally left_out =
      tally_grid(probability, grid, control, [&](size_t i) { return coverage[i] == 0 && probability[i] >= t1; });
  s.rest_above_t1_ha = left_out.area_m2 / 1e4, s.rest_above_t1_expected_ha = left_out.expected_m2 / 1e4;
  if (!given && std::any_of(coverage.begin(), coverage.end(), [](uint8_t c) { return c > 1; }))
    throw std::logic_error("areas: two delineated areas cover one cell");
  if (given) {
    const kernels::AreaTally overlap = tally_grid(probability, grid, control, [&](size_t i) { return coverage[i] > 1; });
    s.overlap_ha = overlap.area_m2 / 1e4, s.overlap_expected_ha = overlap.expected_m2 / 1e4;
  }
  for (const AreaFigures& f : table) {
    s.areas_ha += f.area_ha, s.areas_expected_ha += f.expected_ha;
    AreasSummary::ClassTotals& c = s.classes[f.land_class];
    c.count += 1, c.ha += f.area_ha, c.expected_ha += f.expected_ha;
  }
  s.given = given.has_value();
  if (given) {
    const std::vector<std::string> columns = given_columns(given->fields, s.layers);
    for (size_t k = 0; k < columns.size(); ++k) {
      const OGRFieldType type = given->fields[k].type;
      const char kind = type == OFTInteger || type == OFTInteger64 ? 'i' : type == OFTReal ? 'r' : 's';
      result.attribute_columns.push_back({given->fields[k].name, columns[k], kind});
    }
  }
  if (given && options.reduce) add_releases(table, *given, *delineation.hazard, in, s, control);

  require_weighted_criteria(table, options, in.dem ? in.dem_path : std::filesystem::path());
  rank_areas(table, options, s.expected_ha);
  select_within_budget(table, options, s);
  if (in.truth) {
    // The figures score the items on cells with a probability; the rest are counted, so that
    // none is lost unseen (as evaluate counts them).
    s.true_items = 0;
    s.true_items_without_probability = 0;
    s.true_items_outside_grid = in.items_outside_grid;
    for (const auto& [cell, count] : in.items)
      (std::isnan(probability[static_cast<size_t>(cell)]) ? s.true_items_without_probability : s.true_items) += count;
    capture_by_rank(table, s);
  }
  control.check_cancelled();
  write_area_files(outputs, files, result, given ? &given->fields : nullptr, grid);
  outputs.commit(control.cancel);
  return result;
}

}  // namespace minerisk::ops
