// What `minerisk areas` prints and writes with --json: the summary, then the table by rank.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "areas_write.hpp"
#include "minerisk/engine/ops/areas.hpp"

namespace minerisk::ops {
namespace {

using Json = nlohmann::ordered_json;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

// An existing polygon's own fields, named and typed as the GeoPackage's columns (src_area_ha, not
// a second area_ha beside the figure's); null where the field is null.
Json given_attributes(const AreaFigures& f, const AreasResult& result) {
  Json out = Json::object();
  for (const AreasResult::AttributeColumn& a : result.attribute_columns) {
    const auto it = f.attributes.find(a.field);
    if (it == f.attributes.end()) {
      out[a.column] = nullptr;
      continue;
    }
    // As the number was read as text; a text that does not read back whole stays text.
    const char* text = it->second.c_str();
    char* end = nullptr;
    if (a.kind == 'i') {
      const long long v = std::strtoll(text, &end, 10);
      if (end != text && *end == '\0') {
        out[a.column] = v;
        continue;
      }
    } else if (a.kind == 'r') {
      const double v = std::strtod(text, &end);
      if (end != text && *end == '\0') {
        out[a.column] = number(v);
        continue;
      }
    }
    out[a.column] = it->second;
  }
  return out;
}

Json area_json(const AreaFigures& f, const AreasResult& result) {
  const std::vector<std::string>& layers = result.summary.layers;
  Json j;
  j["id"] = f.id, j["rank"] = f.rank, j["class"] = f.land_class, j["action"] = action_of(f.land_class);
  j["priority"] = number(f.priority);
  j["area_ha"] = number(f.area_ha), j["shape_ha"] = number(f.shape_ha), j["cells"] = f.cells;
  j["expected_ha"] = number(f.expected_ha), j["density"] = number(f.density);
  j["mean_p"] = number(f.mean_p), j["max_p"] = number(f.max_p);
  j["cum_share"] = number(f.cumulative_share), j["selected"] = f.selected;
  j["dominant"] = f.dominant_layer.empty() ? Json(nullptr) : Json(f.dominant_layer);
  Json evidence = Json::object();
  for (size_t k = 0; k < layers.size(); ++k) evidence[layers[k]] = number(f.layer_means[k]);
  j["evidence"] = evidence;
  j["slope_deg"] = number(f.mean_slope), j["access_m"] = number(f.access_m);
  j["impact"] = number(f.impact), j["cost"] = number(f.cost);
  j["mean_sd"] = number(f.mean_sd), j["mean_p95"] = number(f.mean_p95);
  j["true_items"] = number(f.true_items);
  if (!std::isnan(f.release_ha)) j["release_ha"] = number(f.release_ha), j["release_expected_ha"] = number(f.release_expected_ha);
  if (!result.attribute_columns.empty()) j["attributes"] = given_attributes(f, result);
  return j;
}

}  // namespace

std::string AreasResult::json() const {
  const AreasSummary& s = summary;
  Json j;
  j["variable"] = s.variable;
  j["t1"] = s.t1, j["t2"] = s.t2, j["min_area_ha"] = s.min_area_ha, j["smooth_m"] = s.smooth_m;
  j["land_ha"] = s.land_ha, j["expected_ha"] = s.expected_ha;
  j["areas"] = areas.size();
  j["areas_ha"] = s.areas_ha, j["areas_expected_ha"] = s.areas_expected_ha;
  j["rest_ha"] = s.rest_ha, j["rest_expected_ha"] = s.rest_expected_ha;
  j["rest_above_t1_ha"] = s.rest_above_t1_ha, j["rest_above_t1_expected_ha"] = s.rest_above_t1_expected_ha;
  j["given_polygons"] = s.given;
  if (s.given) j["overlap_ha"] = s.overlap_ha, j["overlap_expected_ha"] = s.overlap_expected_ha;
  Json classes = Json::object();
  for (const auto& [name, c] : s.classes) classes[name] = {{"count", c.count}, {"ha", c.ha}, {"expected_ha", c.expected_ha}};
  j["classes"] = classes;
  if (s.budgeted)
    j["budget"] = {{"budget", s.budget},       {"unit", s.budget_unit},      {"used", s.budget_used},
                   {"share", number(s.budget_share)}, {"optimal", s.budget_optimal}, {"gap", number(s.budget_gap)}};
  if (!std::isnan(s.true_items)) {
    Json curve = Json::array();
    for (const auto& [land, items] : s.capture_curve) curve.push_back({number(land), number(items)});
    j["truth"] = {{"true_items", s.true_items},
                  {"true_items_without_probability", s.true_items_without_probability},
                  {"true_items_outside_grid", s.true_items_outside_grid},
                  {"items_in_areas", number(s.items_in_areas)},
                  {"capture_at_10_percent_land", number(s.capture_at_10)},
                  {"items_per_ha_ranked", number(s.items_per_ha_ranked)},
                  {"items_per_ha_random", number(s.items_per_ha_random)},
                  {"capture_curve", curve}};
  }
  if (!std::isnan(s.release_ha)) j["releases"] = {{"ha", s.release_ha}, {"expected_ha", s.release_expected_ha}};
  Json table = Json::array();
  for (const AreaFigures& f : areas) table.push_back(area_json(f, *this));
  j["table"] = table;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);  // a path that is not UTF-8
}

std::string AreasResult::text() const {
  const AreasSummary& s = summary;
  std::string out;
  char line[512];
  const auto add = [&](const char* format, auto... values) {
    std::snprintf(line, sizeof line, format, values...);
    out += line;
  };
  add("thresholds: T1 %.4g (technical survey from here), T2 %.4g (clearance from here); "
      "minimum mapping unit %.4g ha, smoothing %.4g m\n", s.t1, s.t2, s.min_area_ha, s.smooth_m);
  add("%-36s %10s %12s %16s\n", "", "areas", "hectares", "expected ha");
  for (const auto& [name, c] : s.classes)
    add("%-36s %10lld %12.2f %16.4f\n", name.c_str(), static_cast<long long>(c.count), c.ha, c.expected_ha);
  // Given polygons may overlap, and the land outside them was never recorded as a hazard.
  add("%-36s %10zu %12.2f %16.4f\n", s.given ? "all polygons (overlaps in each)" : "all areas", areas.size(),
      s.areas_ha, s.areas_expected_ha);
  if (s.given && s.overlap_ha > 0)
    add("%-36s %10s %12.2f %16.4f\n", "  of it in two polygons or more", "", s.overlap_ha, s.overlap_expected_ha);
  add("%-36s %10s %12.2f %16.4f\n", s.given ? "outside the polygons" : "rest (candidate for cancellation)", "",
      s.rest_ha, s.rest_expected_ha);
  if (!s.given)
    add("%-36s %10s %12.2f %16.4f\n", "  of it at or above T1 (generalised)", "", s.rest_above_t1_ha,
        s.rest_above_t1_expected_ha);
  add("%-36s %10s %12.2f %16.4f\n", "grid", "", s.land_ha, s.expected_ha);
  if (s.budgeted) {
    // A grid without expected contamination has no share of it to give (the JSON's null).
    char share[64];
    if (std::isnan(s.budget_share))
      std::snprintf(share, sizeof share, "none of the expected contamination (the grid holds none)");
    else
      std::snprintf(share, sizeof share, "%.1f %% of the expected contamination", 100 * s.budget_share);
    add("budget %.6g %s: %zu areas, %.6g %s used, %s (%s)\n", s.budget, s.budget_unit.c_str(),
        static_cast<size_t>(std::count_if(areas.begin(), areas.end(), [](const AreaFigures& f) { return f.selected; })),
        s.budget_used, s.budget_unit.c_str(), share,
        s.budget_optimal ? "optimal" : ("within " + std::to_string(100 * s.budget_gap) + " % of the optimum").c_str());
  }
  if (!std::isnan(s.true_items))
    add("truth: %.0f items, %.0f in areas; the top areas covering 10 %% of the land hold %.1f %% of them "
        "(%.4g items per ha, against %.4g in random order)\n", s.true_items, s.items_in_areas, 100 * s.capture_at_10,
        s.items_per_ha_ranked, s.items_per_ha_random);
  if (s.true_items_without_probability > 0 || s.true_items_outside_grid > 0)
    add("truth: not scored: %g items on cells without a probability (no data), %g outside the grid\n",
        s.true_items_without_probability, s.true_items_outside_grid);
  if (!std::isnan(s.release_ha))
    add("releases within the given polygons: %.2f ha holding %.4f expected ha\n", s.release_ha, s.release_expected_ha);
  return out;
}

}  // namespace minerisk::ops
