#include "areas_write.hpp"

#include <cmath>
#include <set>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "../src/gpkg_style.hpp"
#include "areas_source.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/names_in_any_case.hpp"

namespace minerisk::ops {
namespace {

// The figures' columns, in the table's order (given attributes and evidence means follow).
struct Column {
  const char* name;
  OGRFieldType type;
  const char* meaning;  // for the README and the GeoPackage's field descriptions
};
const std::vector<Column>& figure_columns() {
  static const std::vector<Column> columns = {
      {"id", OFTInteger64, "the area's number"},
      {"class", OFTString, "land-release class: cancellation, technical_survey, clearance (or no_data)"},
      {"action", OFTString, "what the class asks for"},
      {"rank", OFTInteger64, "1 = highest priority"},
      {"priority", OFTReal, "the priority score"},
      {"area_ha", OFTReal, "hectares of the cells whose centre lies inside"},
      {"shape_ha", OFTReal, "hectares of the polygon"},
      {"cells", OFTInteger64, "cells with a probability inside"},
      {"expected_ha", OFTReal, "expected contaminated hectares: sum of p x cell area"},
      {"density", OFTReal, "expected contaminated hectares per hectare"},
      {"mean_p", OFTReal, "mean probability"},
      {"max_p", OFTReal, "largest probability"},
      {"cum_share", OFTReal, "share of the grid's expected contamination in the areas up to this rank"},
      {"selected", OFTInteger, "1 when within the budget"},
      {"dominant", OFTString, "evidence layer with the largest mean contribution"},
      {"slope_deg", OFTReal, "mean slope, degrees"},
      {"access_m", OFTReal, "metres from its nearest cell to the nearest road or settlement"},
      {"impact", OFTReal, "mean of the impact raster"},
      {"cost", OFTReal, "sum of the cost raster's cost per hectare over its hectares"},
      {"mean_sd", OFTReal, "a sweep's mean standard deviation of the probability"},
      {"mean_p95", OFTReal, "a sweep's mean 95th percentile of the probability"},
      {"true_items", OFTReal, "true items inside (with --truth)"},
      {"release_ha", OFTReal, "--reduce: hectares the model would release"},
      {"release_expected_ha", OFTReal, "--reduce: expected contaminated hectares in the release"},
  };
  return columns;
}

}  // namespace

const char* action_of(const std::string& land_class) {
  if (land_class == kClearance) return "clear";
  if (land_class == kTechnicalSurvey) return "technical survey";
  if (land_class == kNoData) return "none: the grid has no data there";
  return "non-technical survey: candidate for cancellation";
}

namespace {

// A field's text: empty (null) for no number.
std::string real(double v) { return std::isfinite(v) ? number_text(v) : std::string(); }

// The value of column `name` for area `f` ("" for none: a null field).
std::string figure_text(const AreaFigures& f, const std::string& name) {
  if (name == "id") return std::to_string(f.id);
  if (name == "class") return f.land_class;
  if (name == "action") return action_of(f.land_class);
  if (name == "rank") return std::to_string(f.rank);
  if (name == "priority") return real(f.priority);
  if (name == "area_ha") return real(f.area_ha);
  if (name == "shape_ha") return real(f.shape_ha);
  if (name == "cells") return std::to_string(f.cells);
  if (name == "expected_ha") return real(f.expected_ha);
  if (name == "density") return real(f.density);
  if (name == "mean_p") return real(f.mean_p);
  if (name == "max_p") return real(f.max_p);
  if (name == "cum_share") return real(f.cumulative_share);
  if (name == "selected") return f.selected ? "1" : "0";
  if (name == "dominant") return f.dominant_layer;
  if (name == "slope_deg") return real(f.mean_slope);
  if (name == "access_m") return real(f.access_m);
  if (name == "impact") return real(f.impact);
  if (name == "cost") return real(f.cost);
  if (name == "mean_sd") return real(f.mean_sd);
  if (name == "mean_p95") return real(f.mean_p95);
  if (name == "true_items") return real(f.true_items);
  if (name == "release_ha") return real(f.release_ha);
  if (name == "release_expected_ha") return real(f.release_expected_ha);
  throw std::logic_error("areas: no column " + name);
}

// The figures' columns a table has: the release columns only for given polygons (--reduce).
std::vector<const Column*> table_columns(bool given) {
  std::vector<const Column*> out;
  for (const Column& c : figure_columns())
    if (given || std::string(c.name).rfind("release", 0) != 0) out.push_back(&c);
  return out;
}

std::string csv_quoted(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::unique_ptr<OGRGeometry> from_wkb(const std::string& wkb) {
  OGRGeometry* g = nullptr;
  if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &g, wkb.size()) != OGRERR_NONE || !g)
    throw std::logic_error("areas: an area's own geometry does not read back");
  return std::unique_ptr<OGRGeometry>(g);
}

void check(OGRErr error, const std::string& what) {
  if (error != OGRERR_NONE) throw UserError("areas: cannot write " + what + ": GDAL reports '" + last_gdal_error() + "'");
}

OGRLayer* create_layer(GDALDataset& ds, const char* name, const Grid& grid, OGRwkbGeometryType type,
                       const std::string& description) {
  OGRSpatialReference srs = grid.srs();
  const std::string option = "DESCRIPTION=" + description;
  const char* options[] = {option.c_str(), nullptr};
  OGRLayer* layer = ds.CreateLayer(name, &srs, type, const_cast<char**>(options));
  if (!layer) throw UserError(std::string("areas: cannot create the layer ") + name + ": " + last_gdal_error());
  return layer;
}

void add_field(OGRLayer& layer, const std::string& name, OGRFieldType type, bool boolean = false) {
  OGRFieldDefn field(name.c_str(), type);
  if (boolean) field.SetSubType(OFSTBoolean);
  check(layer.CreateField(&field), "the field " + name);
}

void write_gpkg(const std::filesystem::path& path, const AreasResult& result,
                const std::vector<GivenField>* given_fields, const Grid& grid) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  // The OutputSet made the temporary as an empty file, which GDAL's GeoPackage driver refuses
  // to create over; it lies in the command's private folder (mode 0700, ours), where no one else
  // can plant a link, so GDAL may create it there afresh.
  std::filesystem::remove(path);
  CPLErrorReset();  // the check at the end sees only this write's errors
  DatasetPtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) throw UserError("areas: cannot create the GeoPackage: " + last_gdal_error());
  record_areas_source(*ds, result.summary.run_id, result.summary.variable, result.summary.inputs_record,
                      result.summary.t1, result.summary.t2);
  const bool given = given_fields != nullptr;
  // The grid it was made from, also in the description, which QGIS shows as the layer's abstract
  // (the dataset's metadata, which map and report check, QGIS 3.22 does not show).
  std::string description = "minerisk hazard areas by land-release class and priority rank";
  if (!result.summary.run_id.empty()) description += ", from the grid of run " + result.summary.run_id;
  if (!result.summary.variable.empty()) description += " (variable " + result.summary.variable + ")";
  OGRLayer* layer = create_layer(*ds, "areas", grid, given ? wkbMultiPolygon : wkbPolygon, description);
  const std::vector<const Column*> figures = table_columns(given);
  for (const Column* c : figures) add_field(*layer, c->name, c->type, c->name == std::string("selected"));
  for (const std::string& l : result.summary.layers) add_field(*layer, "ev_" + l, OFTReal);
  const auto& columns = result.attribute_columns;  // in the given layer's order
  for (size_t k = 0; k < columns.size(); ++k) add_field(*layer, columns[k].column, (*given_fields)[k].type);
  check(ds->StartTransaction(), "the areas");
  for (const AreaFigures& f : result.areas) {
    OGRFeature feature(layer->GetLayerDefn());
    for (const Column* c : figures) {
      const int i = feature.GetFieldIndex(c->name);
      if (const std::string v = figure_text(f, c->name); !v.empty()) feature.SetField(i, v.c_str());
      else feature.SetFieldNull(i);
    }
    for (size_t k = 0; k < result.summary.layers.size(); ++k)
      if (std::isfinite(f.layer_means[k])) feature.SetField(("ev_" + result.summary.layers[k]).c_str(), f.layer_means[k]);
    for (const auto& a : columns)
      if (const auto it = f.attributes.find(a.field); it != f.attributes.end())
        feature.SetField(feature.GetFieldIndex(a.column.c_str()), it->second.c_str());
    std::unique_ptr<OGRGeometry> shape = from_wkb(f.wkb);
    if (given) shape.reset(OGRGeometryFactory::forceToMultiPolygon(shape.release()));
    feature.SetGeometryDirectly(shape.release());
    check(layer->CreateFeature(&feature), "area " + std::to_string(f.id));
  }
  check(ds->CommitTransaction(), "the areas");
  store_default_style(*ds, "areas", layer->GetGeometryColumn(), "class", land_release_categories(),
                      "rank", "minerisk: colours of the land-release classes");
  // With --reduce (its totals set), always: an empty layer says nothing is released, where a
  // missing one would break the script that opens it.
  if (given && !std::isnan(result.summary.release_ha)) {
    OGRLayer* releases = create_layer(*ds, "releases", grid, wkbMultiPolygon,
                                      "land within the given polygons that the model would release (below T1)");
    add_field(*releases, "area_id", OFTInteger64);
    add_field(*releases, "release_ha", OFTReal);
    add_field(*releases, "release_expected_ha", OFTReal);
    check(ds->StartTransaction(), "the releases");
    for (const AreaFigures& f : result.areas) {
      if (f.release_wkb.empty()) continue;
      OGRFeature feature(releases->GetLayerDefn());
      feature.SetField("area_id", static_cast<GIntBig>(f.id));
      feature.SetField("release_ha", f.release_ha);
      feature.SetField("release_expected_ha", f.release_expected_ha);
      feature.SetGeometryDirectly(OGRGeometryFactory::forceToMultiPolygon(from_wkb(f.release_wkb).release()));
      check(releases->CreateFeature(&feature), "the release of area " + std::to_string(f.id));
    }
    check(ds->CommitTransaction(), "the releases");
  }
  ds.reset();  // closes the file: everything on disk before the commit
  if (!last_gdal_error().empty() && CPLGetLastErrorType() >= CE_Failure)
    throw UserError("areas: writing the GeoPackage failed: " + last_gdal_error());
}

}  // namespace

std::vector<std::string> given_columns(const std::vector<GivenField>& fields, const std::vector<std::string>& layers) {
  std::set<std::string> taken = {"fid", "geom"};
  for (const Column& c : figure_columns()) taken.insert(c.name);
  for (const std::string& l : layers) taken.insert(lower_case("ev_" + l));
  std::vector<std::string> names;
  for (const GivenField& f : fields) {
    std::string name = f.name.empty() ? "src_field" : f.name;
    if (taken.contains(lower_case(name))) name = "src_" + name;
    const std::string stem = name;
    for (int k = 2; taken.contains(lower_case(name)); ++k) name = stem + "_" + std::to_string(k);
    taken.insert(lower_case(name));
    names.push_back(name);
  }
  return names;
}

AreaFiles add_area_files(OutputSet& outputs, const std::filesystem::path& gpkg, const AreasOptions& options) {
  AreaFiles files;
  if (!gpkg.empty()) {
    // In any case, as map and report take .PDF and .HTML ('.gpkg' alone is a hidden file's name
    // without an extension: named as such).
    if (lower_case(gpkg.filename().string()) == ".gpkg")
      throw UserError("-o: '" + gpkg.string() + "' has no name before .gpkg; name the GeoPackage, e.g. 'areas.gpkg'");
    if (lower_case(gpkg.extension().string()) != ".gpkg")
      throw UserError("-o: '" + gpkg.string() + "' does not end in .gpkg; the areas are written as a GeoPackage");
    files.gpkg = outputs.add(gpkg);
  }
  if (!options.csv.empty()) files.csv = outputs.add(options.csv);
  if (!options.json.empty()) files.json = outputs.add(options.json);
  return files;
}

std::string areas_csv(const AreasResult& result) {
  std::vector<std::string> header;
  for (const Column* c : table_columns(result.summary.given)) header.push_back(c->name);
  const size_t figures = header.size();
  for (const std::string& l : result.summary.layers) header.push_back("ev_" + l);
  for (const auto& a : result.attribute_columns) header.push_back(a.column);
  std::string out;
  const auto add_row = [&out](const std::vector<std::string>& cells) {
    for (size_t k = 0; k < cells.size(); ++k) {
      if (k) out += ',';
      out += csv_quoted(cells[k]);
    }
    out += '\n';
  };
  add_row(header);
  for (const AreaFigures& f : result.areas) {
    std::vector<std::string> row;
    for (size_t k = 0; k < figures; ++k) row.push_back(figure_text(f, header[k]));
    for (const double m : f.layer_means) row.push_back(real(m));
    for (const auto& a : result.attribute_columns) {
      const auto it = f.attributes.find(a.field);
      row.push_back(it == f.attributes.end() ? "" : it->second);
    }
    add_row(row);
  }
  return out;
}

void write_area_files(OutputSet& outputs, const AreaFiles& files, const AreasResult& result,
                      const std::vector<GivenField>* given_fields, const Grid& grid) {
  outputs.writing([&] {
    if (files.gpkg != AreaFiles::kNone) write_gpkg(outputs.temporary(files.gpkg), result, given_fields, grid);
    if (files.csv != AreaFiles::kNone) outputs.write_text(files.csv, areas_csv(result));
    if (files.json != AreaFiles::kNone) outputs.write_text(files.json, result.json() + "\n");
  });
}

}  // namespace minerisk::ops
