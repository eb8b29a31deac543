// The report's ranked hazard-area table, read with OGR from the GeoPackage `minerisk areas`
// writes (layer `areas`): one row per area by rank, the figures a planner tasks from, and the
// context columns (slope, access, true items) the file has values for. Sortable by any header.
#include <algorithm>
#include <cmath>
#include <map>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "report_parts.hpp"

namespace minerisk::ops::report_parts {
namespace {

struct Column {
  const char* field;
  const char* heading;
  bool numeric;
  bool optional;  // shown only when some area has a value
  int digits;     // significant digits; 0: an integer
  bool share;     // a share, shown as a percentage
};

// The columns in the table's order: `minerisk areas`' field names (areas_write.cpp).
const std::vector<Column>& columns() {
  static const std::vector<Column> list = {
      {"rank", "Rank", true, false, 0, false},
      {"class", "Class", false, false, 0, false},
      {"area_ha", "Area (ha)", true, false, 4, false},
      {"expected_ha", "Expected contaminated (ha)", true, false, 4, false},
      {"density", "Density (ha/ha)", true, false, 3, false},
      {"max_p", "Max p", true, false, 3, false},
      {"priority", "Priority", true, false, 3, false},
      {"cum_share", "Cumulative share", true, false, 3, true},
      {"slope_deg", "Slope (\xC2\xB0)", true, true, 3, false},
      {"access_m", "Access (m)", true, true, 4, false},
      {"true_items", "True items", true, true, 4, false},
  };
  return list;
}

struct Row {
  double rank = NAN;
  std::map<std::string, std::string> text;  // by field: the cell's text
  std::map<std::string, double> value;      // by field: numbers
};

}  // namespace

std::string areas_table(const std::filesystem::path& gpkg, size_t& rows_out) {
  const std::string what = "--areas: '" + gpkg.string() + "'";
  std::error_code ec;
  if (!std::filesystem::exists(gpkg, ec))
    throw UserError(what + " not found; give the GeoPackage 'minerisk areas GRID -o AREAS.gpkg' writes");
  require_input_file(gpkg, "--areas");  // a fifo would hold GDAL's open for ever
  init_gdal();
  GdalErrorTrap trap;
  DatasetPtr ds(GDALDataset::Open(gpkg.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!ds)
    throw UserError(what + " is not a vector file GDAL reads (" + (trap.first().empty() ? "unknown format" : trap.first()) +
                    "); give the GeoPackage 'minerisk areas' writes");
  OGRLayer* layer = ds->GetLayerByName("areas");
  if (!layer)
    throw UserError(what + " has no layer 'areas'; give the GeoPackage 'minerisk areas GRID -o AREAS.gpkg' writes");
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  std::vector<const Column*> present;
  for (const Column& c : columns()) {
    if (defn->GetFieldIndex(c.field) >= 0) present.push_back(&c);
    else if (!c.optional)
      throw UserError(what + " layer 'areas' has no field '" + c.field +
                      "'; give a GeoPackage written by 'minerisk areas' (or write it again with this version)");
  }
  std::vector<Row> rows;
  layer->ResetReading();
  for (auto& feature : *layer) {
    Row row;
    for (const Column* c : present) {
      const int i = feature->GetFieldIndex(c->field);
      if (!feature->IsFieldSetAndNotNull(i)) continue;
      if (c->numeric) row.value[c->field] = feature->GetFieldAsDouble(i);
      else row.text[c->field] = feature->GetFieldAsString(i);
    }
    row.rank = row.value.count("rank") ? row.value["rank"] : NAN;
    rows.push_back(std::move(row));
  }
  trap.check(what, kDamagedInputAdvice);
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (std::isnan(a.rank) || std::isnan(b.rank)) return !std::isnan(a.rank) && std::isnan(b.rank);
    return a.rank < b.rank;
  });
  // An optional column with no value in any row stays out.
  std::vector<const Column*> shown;
  for (const Column* c : present) {
    const bool any = std::any_of(rows.begin(), rows.end(), [&](const Row& r) {
      return c->numeric ? r.value.count(c->field) && !std::isnan(r.value.at(c->field)) : r.text.count(c->field) > 0;
    });
    if (!c->optional || any) shown.push_back(c);
  }
  rows_out = rows.size();
  if (rows.empty())
    return "<p>The areas file <code>" + escape(gpkg.string()) +
           "</code> holds no hazard area: no land reaches the technical-survey threshold.</p>\n";
  std::string out = "<p>" + std::to_string(rows.size()) + " hazard area" + (rows.size() == 1 ? "" : "s") +
                    " from <code>" + escape(gpkg.filename().string()) +
                    "</code>, ranked by priority (1 first). Click a column's heading to sort by it.</p>\n"
                    "<div class=\"scroll\"><table id=\"areas-table\" class=\"sortable\"><thead><tr>";
  for (const Column* c : shown)
    out += std::string("<th scope=\"col\" data-key=\"") + c->field + "\" data-sort=\"" +
           (c->numeric ? "number" : "text") + "\"" + (c->numeric ? " class=\"num\"" : "") + ">" + escape(c->heading) +
           "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const Row& r : rows) {
    out += "<tr>";
    for (const Column* c : shown) {
      if (!c->numeric) {
        const std::string text = r.text.count(c->field) ? r.text.at(c->field) : "";
        const std::string shown_text = text == "technical_survey" ? "technical survey" : text;
        out += "<td class=\"class-" + escape(text) + "\" data-value=\"" + escape(text) + "\">" + escape(shown_text) + "</td>";
        continue;
      }
      const double v = r.value.count(c->field) ? r.value.at(c->field) : NAN;
      const std::string text = std::isnan(v) ? number(v)
                               : c->digits == 0 ? std::to_string(static_cast<long long>(std::llround(v)))
                               : c->share       ? percent(v, c->digits)
                                                : number(v, c->digits);
      out += "<td class=\"num\" data-value=\"" + (std::isnan(v) ? std::string() : number_text(v)) + "\">" + text + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

}  // namespace minerisk::ops::report_parts
