#include "minerisk/engine/grid_file_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "minerisk/engine/band_cells.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/nearest_name.hpp"
#include "minerisk/engine/output_format.hpp"
#include "hdf5_handles.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

// HDF5's signature: a netCDF-4 file named .h5 is read by GDAL's netCDF driver, which knows the
// CF grid mapping, not by its HDF5 driver, which would give cells without coordinates.
bool is_hdf5_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  return in.read(head, sizeof head) && std::string(head, sizeof head) == std::string("\x89HDF\r\n\x1a\n", 8);
}

DatasetPtr open_grid(const std::string& name, bool netcdf_only, const std::string& what) {
  init_gdal();
  const GdalErrorTrap trap;
  static const char* const netcdf[] = {"netCDF", nullptr};
  // The values as stored: GDAL would blank those outside a variable's valid_range.
  static const char* const exact[] = {"HONOUR_VALID_RANGE=NO", nullptr};
  DatasetPtr ds(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, netcdf_only ? netcdf : nullptr,
                                  netcdf_only ? exact : nullptr));
  if (!ds) refuse_unopened_folder(name, trap, what, "a grid", "give an output of 'minerisk run' or 'sweep', or a raster file");
  if (!ds)
    throw UserError(what + " cannot be read as a grid" + (trap.raised() ? " (" + trap.first() + ")" : "") +
                    "; give an output of 'minerisk run' or 'sweep', or a raster GDAL reads");
  trap.check_opened(*ds, what + " is unreadable", kDamagedInputAdvice);
  return ds;
}

// The variable a subdataset name reads: NETCDF:"f.nc":/evidence/slope -> evidence/slope;
// NETCDF:f.nc:mean -> mean; "" when the name has none (NETCDF:"f.nc").
std::string variable_of_subdataset(const std::string& name) {
  const size_t quote = name.rfind("\":");
  std::string variable;
  if (quote != std::string::npos) variable = name.substr(quote + 2);
  else if (name.find('"') == std::string::npos && name.rfind(':') != std::string::npos)
    variable = name.substr(name.rfind(':') + 1);
  while (!variable.empty() && variable.front() == '/') variable.erase(variable.begin());
  return variable;
}

// The variables a netCDF dataset offers as subdatasets, in the file's order.
std::vector<std::string> subdataset_variables(GDALDataset& ds) {
  std::vector<std::string> variables;
  char** subdatasets = ds.GetMetadata("SUBDATASETS");
  for (char** item = subdatasets; item && *item; ++item) {
    const std::string entry(*item);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos && eq >= 5 && entry.compare(eq - 5, 5, "_NAME") == 0)
      variables.push_back(variable_of_subdataset(entry.substr(eq + 1)));
  }
  return variables;
}

// A (scenario, y, x) variable, a sweep's probability_stack, is not one grid: GDAL would take
// its first dimension for bands and call the file damaged. Its subdataset description says
// "[2x128x128] probability_stack (...)".
void refuse_more_than_two_dimensions(GDALDataset& ds, const std::string& variable, const std::string& what) {
  char** list = ds.GetMetadata("SUBDATASETS");
  for (int i = 0; list && list[i]; ++i) {
    const std::string entry = list[i];
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq < 5 || entry.compare(eq - 5, 5, "_DESC") != 0) continue;
    const std::string desc = entry.substr(eq + 1);
    const size_t close = desc.find(']');
    if (desc.rfind('[', 0) != 0 || close == std::string::npos || desc.compare(close + 1, variable.size() + 2, " " + variable + " ") != 0)
      continue;
    const std::string shape = desc.substr(1, close - 1);
    if (std::count(shape.begin(), shape.end(), 'x') >= 2)
      throw UserError(what + " variable '" + variable + "' is not one grid: it has " +
                      std::to_string(std::count(shape.begin(), shape.end(), 'x') + 1) + " dimensions (" + shape +
                      "); choose a variable of two, such as mean or p95, or one scenario's layer with gdal_translate "
                      "-b N NETCDF:\"FILE\":" + variable + " OUT.tif");
  }
}

}  // namespace

GridFileReader::GridFileReader(const fs::path& name, const std::string& variable) : name_(name), variable_(variable) {
  const std::string text = name.string();
  const std::string what = "grid: '" + text + "'";
  require_input_file(text, "grid");  // missing, or a fifo that would hold the read below for ever
  // NETCDF:"f.nc":var names the file and the variable; a plain netCDF-4/HDF5 file is read
  // through the netCDF driver; anything else is one raster, as GDAL opens it.
  const DatasetName parsed = parse_dataset_name(text);
  const bool netcdf_name = parsed.prefix.rfind("NETCDF:", 0) == 0;
  if (netcdf_name) {
    // The variable after the file: `":var` (quoted), `:var`, or none (`"` or nothing).
    const std::string& rest = parsed.suffix;
    std::string named = rest.rfind("\":", 0) == 0 ? rest.substr(2) : rest.rfind(':', 0) == 0 ? rest.substr(1) : "";
    while (!named.empty() && named.front() == '/') named.erase(named.begin());
    if (!variable_.empty() && !named.empty() && variable_ != named)
      throw UserError(what + " names the variable '" + named + "' and --variable names '" + variable_ +
                      "'; give one of them");
    if (!named.empty()) variable_ = named;
    name_ = parsed.file;
  }
  const bool netcdf = netcdf_name || (parsed.plain() && is_hdf5_file(name));
  netcdf_ = netcdf;
  // Such a name never opens through NETCDF:"FILE", whatever the file holds.
  if (netcdf && !fits_netcdf_dataset_name(name_.string()))
    throw UserError(what + ": GDAL's netCDF driver cannot open a file whose name holds a "
                    "double quote or a backslash; rename the file (or link it under a plain name)");
  // NETCDF:"f": the netCDF driver claims no .h5 name by itself (GDAL's HDF5 driver does).
  DatasetPtr ds = open_grid(netcdf ? "NETCDF:\"" + name_.string() + "\"" : name_.string(), netcdf, what);
  if (netcdf) {
    // Every global attribute, for the map's and the report's provenance.
    for (char** item = ds->GetMetadata(); item && *item; ++item) {
      const std::string entry = *item;
      const size_t equals = entry.find('=');
      if (entry.rfind("NC_GLOBAL#", 0) == 0 && equals != std::string::npos)
        attributes_[entry.substr(10, equals - 10)] = entry.substr(equals + 1);
    }
    const char* scenario = ds->GetMetadataItem("NC_GLOBAL#scenario");
    scenario_ = scenario ? scenario : "";
    if (const char* id = ds->GetMetadataItem("NC_GLOBAL#run_id")) run_id_ = id;
    if (const char* evidence = ds->GetMetadataItem("NC_GLOBAL#evidence_file")) find_evidence(evidence, what);
  }
  if (ds->GetRasterCount() == 0 && ds->GetMetadata("SUBDATASETS")) {
    multi_ = true;
    variables_ = subdataset_variables(*ds);
    for (const std::string& v : variables_)  // files of minerisk 0.1 kept the layers in a group
      if (v.rfind("evidence/", 0) == 0) evidence_.push_back(v.substr(9));
    const auto has = [&](const std::string& v) { return std::find(variables_.begin(), variables_.end(), v) != variables_.end(); };
    if (variable_.empty()) variable_ = has("probability") ? "probability" : has("mean") ? "mean" : "";
    if (variable_.empty())
      throw UserError(what + " holds several variables and none is 'probability' or 'mean'; choose one with "
                             "--variable (" + suggestion("", variables_, "variables") + ")");
    if (!has(variable_))
      throw UserError(what + " has no variable '" + variable_ + "'; " + suggestion(variable_, variables_, "variables"));
    refuse_more_than_two_dimensions(*ds, variable_, what);
    ds = open_grid(dataset_of(variable_), true, what);
  } else if (!netcdf_name && !variable_.empty()) {
    // One variable: GDAL opens it as the file; naming it is fine, naming another is not.
    const char* only = ds->GetRasterCount() > 0 ? ds->GetRasterBand(1)->GetMetadataItem("NETCDF_VARNAME") : nullptr;
    if (!only || variable_ != only)
      throw UserError(what + " holds a single raster" + (only ? " ('" + std::string(only) + "')" : "") +
                      ", not a variable '" + variable_ + "'; leave --variable out");
  }
  if (netcdf && variable_.empty() && ds->GetRasterCount() == 1)  // the file's only variable: name it
    if (const char* only = ds->GetRasterBand(1)->GetMetadataItem("NETCDF_VARNAME")) variable_ = only;
  if (ds->GetRasterCount() != 1)
    throw UserError(what + (variable_.empty() ? "" : " variable '" + variable_ + "'") + " has " +
                    std::to_string(ds->GetRasterCount()) +
                    " bands; give a grid of one band (gdal_translate -b N picks one)");
  refuse_gcp_only(*ds, what);
  const OGRSpatialReference* srs = ds->GetSpatialRef();
  if (!srs) throw UserError(what + " has no CRS; assign one with gdal_edit.py -a_srs");
  std::array<double, 6> gt{};
  if (ds->GetGeoTransform(gt.data()) != CE_None)
    throw UserError(what + " has no geotransform; georeference it first");
  OGRSpatialReference traditional(*srs);
  traditional.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  grid_ = make_grid(traditional, gt, ds->GetRasterXSize(), ds->GetRasterYSize(), what);
}

// A run's evidence layers, in the file its `evidence_file` attribute names beside it (beside the
// name given, or beside the file a link points to). What is wrong with them is said only when
// they are asked for (require_evidence): evaluate needs the probability alone.
void GridFileReader::find_evidence(const std::string& file_name, const std::string& what) {
  const fs::path name = fs::path(file_name).filename();
  evidence_file_ = name_.parent_path() / name;
  std::error_code ec;
  if (!fs::exists(evidence_file_, ec)) {
    const fs::path real = fs::canonical(name_, ec);
    if (!ec && fs::exists(real.parent_path() / name, ec)) evidence_file_ = real.parent_path() / name;
  }
  if (!fs::exists(evidence_file_, ec)) {
    evidence_missing_ = true;
    return;
  }
  try {
    read_evidence(what);
  } catch (const UserError& e) {
    evidence_problem_ = e.what();
    evidence_.clear();
  }
}

void GridFileReader::read_evidence(const std::string& what) {
  DatasetPtr ds = open_grid("NETCDF:\"" + evidence_file_.string() + "\"", true, what + "'s evidence file");
  // The evidence of another run, copied or renamed beside this grid, would explain it wrongly.
  const char* theirs = ds->GetMetadataItem("NC_GLOBAL#run_id");
  if (!run_id_.empty() && (!theirs || run_id_ != theirs)) {
    evidence_foreign_ = true;  // refused when the layers are asked for (require_evidence)
    return;
  }
  if (ds->GetMetadata("SUBDATASETS")) {
    evidence_ = subdataset_variables(*ds);
  } else if (ds->GetRasterCount() == 1) {  // a single layer: GDAL opens it as the dataset
    const char* name = ds->GetRasterBand(1)->GetMetadataItem("NETCDF_VARNAME");
    if (name) evidence_.emplace_back(name);
  }
}

void GridFileReader::require_evidence() const {
  if (!evidence_problem_.empty()) throw UserError(evidence_problem_);
  if (evidence_foreign_)
    throw UserError("grid: '" + evidence_file_.string() + "' beside '" + name_.string() +
                    "' holds the evidence layers of another run (its run_id differs); keep each grid with its own "
                    "evidence file, or run the scenario again");
  if (evidence_missing_)
    throw UserError("grid: '" + name_.string() + "' keeps its evidence layers in '" + evidence_file_.string() +
                    "' (its evidence_file attribute), which is not there; keep the two files together under the names "
                    "the run gave them (a renamed grid still names its evidence file by the old name)");
}

std::string GridFileReader::dataset_of(const std::string& variable) const {
  if (variable.rfind("evidence/", 0) == 0 && !evidence_file_.empty())
    return "NETCDF:\"" + evidence_file_.string() + "\":" + variable.substr(9);
  const std::string& v = variable.empty() ? variable_ : variable;
  if (v.empty()) return netcdf_ ? "NETCDF:\"" + name_.string() + "\"" : name_.string();
  return "NETCDF:\"" + name_.string() + "\":" + (v.find('/') != std::string::npos ? "/" : "") + v;
}

DatasetPtr GridFileReader::open_variable(const std::string& variable, std::string& what) const {
  what = "grid: '" + name_.string() + "'" + (variable.empty() ? "" : " variable '" + variable + "'");
  const bool evidence = variable.rfind("evidence/", 0) == 0 && !evidence_file_.empty();
  if (evidence) require_evidence();
  if (evidence && std::find(evidence_.begin(), evidence_.end(), variable.substr(9)) == evidence_.end())
    throw UserError("grid: '" + name_.string() + "' has no evidence layer '" + variable.substr(9) + "'; " +
                    suggestion(variable.substr(9), evidence_, "layers"));
  if (!evidence && multi_ && !variable.empty() &&
      std::find(variables_.begin(), variables_.end(), variable) == variables_.end())
    throw UserError("grid: '" + name_.string() + "' has no variable '" + variable + "'; " +
                    suggestion(variable, variables_, "variables"));
  DatasetPtr ds = open_grid(dataset_of(variable), evidence || netcdf_ || !variable.empty(), what);
  if (ds->GetRasterCount() != 1 || ds->GetRasterXSize() != grid_.width() || ds->GetRasterYSize() != grid_.height())
    throw UserError(what + " is not a (y, x) variable of the grid");
  return ds;
}

// Reads a window of band 1 as float32, no-data as NaN; GDAL's complaints are a damaged file.
static void read_window(GDALDataset& ds, const std::string& what, int64_t col, int64_t row, int64_t width, int64_t height,
                 float* out) {
  GDALRasterBand* band = ds.GetRasterBand(1);
  read_band_cells(*band, col, row, width, height, out, width, what, what + " cannot be read");
  // Packed values (a run's evidence layers, any raster with a scale or offset) unpacked.
  unpacking_of(*band).apply(out, static_cast<size_t>(width * height));
}

std::vector<float> GridFileReader::read(const std::string& variable) const {
  require_whole_grid_memory(grid_, sizeof(float), "reading a whole variable");
  std::string what;
  const DatasetPtr ds = open_variable(variable, what);
  std::vector<float> values(static_cast<size_t>(grid_.width() * grid_.height()));
  read_window(*ds, what, 0, 0, grid_.width(), grid_.height(), values.data());
  return values;
}

float GridFileReader::read_cell(const std::string& variable, int64_t row, int64_t col) const {
  std::string what;
  const DatasetPtr ds = open_variable(variable, what);
  float value = NAN;
  read_window(*ds, what, col, row, 1, 1, &value);
  return value;
}

std::vector<float> GridFileReader::read_tile(const kernels::Window& window, DatasetPtr& handle) const {
  return read_variable_window("", window, handle);
}

bool GridFileReader::has_variable(const std::string& variable) const {
  return std::find(variables_.begin(), variables_.end(), variable) != variables_.end();
}

std::vector<float> GridFileReader::read_variable_window(const std::string& variable, const kernels::Window& window,
                                               DatasetPtr& handle) const {
  // GDAL's netCDF driver probes attributes that may be absent; netCDF-C silences HDF5's error
  // printing only on the thread that first opened a file, so each reading thread does it too.
  h5::quiet_errors();
  if (window.col0 < 0 || window.row0 < 0 || window.width <= 0 || window.height <= 0 ||
      window.col0 + window.width > grid_.width() || window.row0 + window.height > grid_.height())
    throw std::invalid_argument("GridFileReader::read_variable_window: the window must lie inside the grid");
  std::string what;
  if (!handle) handle = open_variable(variable, what);
  const std::string& v = variable.empty() ? variable_ : variable;
  what = "grid: '" + name_.string() + "'" + (v.empty() ? "" : " variable '" + v + "'");
  std::vector<float> values(static_cast<size_t>(window.cells()));
  read_window(*handle, what, window.col0, window.row0, window.width, window.height, values.data());
  return values;
}

}  // namespace minerisk
