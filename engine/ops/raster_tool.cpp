// The raster tools' shared writer: a kernel over the tiles of a grid (for_each_tile), into
// GeoTIFFs written through one OutputSet (checked against the inputs, written in a private
// folder, renamed into place together when all are complete).
#include "minerisk/engine/ops/raster_tool.hpp"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <optional>

#include <cpl_string.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/geotiff_writer.hpp"
#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "tiles_in_order.hpp"
#include "unwritable_values.hpp"

namespace minerisk::ops {

std::string checked_compression(const std::string& compress) {
  return choice_in_any_case(compress, kCompressions, "--compress");  // the name as GDAL spells it: "ZSTD"
}

void require_raster_without_like(const std::filesystem::path& input) {
  if (is_vector_only(input))
    throw UserError("input: '" + input.string() +
                    "' is a vector layer; give --like TEMPLATE.tif for the grid of the output");
}

namespace {

// Checks everything about the request that needs no data: each output's driver (one per
// output, in order: drivers[k] is outputs[k]'s) and the creation options against it.
std::vector<std::string> output_drivers(const std::vector<std::filesystem::path>& outputs,
                                        const RasterOutputOptions& format) {
  checked_compression(format.compress);
  std::vector<std::string> drivers;
  for (const std::filesystem::path& out : outputs) {
    drivers.push_back(raster_output_driver(out, format.format));
    check_creation_options(drivers.back(), format.creation_options);
  }
  return drivers;
}

// minerisk's defaults for a driver, then the user's --co over them (GDAL takes the last of a key),
// for a grid `width` cells wide.
CPLStringList creation_options(const std::string& driver, const std::string& compression,
                               const RasterOutputOptions& format, int64_t width) {
  CPLStringList options;
  const bool compressed = compression != "NONE";
  if (driver == "COG") {
    options.SetNameValue("COMPRESS", compression.c_str());
    if (compressed) options.SetNameValue("PREDICTOR", "YES");  // the floating-point predictor
    if (compression == "ZSTD") options.SetNameValue("LEVEL", "1");
    options.SetNameValue("BLOCKSIZE", "512");
    // Overviews of a probability or a distance are means of their cells: AVERAGE, never the
    // cubic default, which overshoots [0, 1] and makes negative distances.
    options.SetNameValue("RESAMPLING", "AVERAGE");
    options.SetNameValue("NUM_THREADS", "ALL_CPUS");
    options.SetNameValue("BIGTIFF", "IF_SAFER");
  } else if (driver == "netCDF") {
    // NC4 with DEFLATE, unless --co FORMAT names a classic format, which has no compression.
    std::string user_format;
    for (const std::string& option : format.creation_options)
      if (option.size() > 7 && EQUALN(option.c_str(), "FORMAT=", 7)) user_format = option.substr(7);
    options.SetNameValue("FORMAT", "NC4");
    options.SetNameValue("WRITE_GDAL_HISTORY", "NO");  // it would name the private temporary
    // Rows north to south, as run writes its grids: GDAL's bottom-up default, beside the
    // top-left GeoTransform attribute it also writes, makes rioxarray place the raster upside
    // down (its transform from that attribute, its row order from the y coordinate). Not for a
    // grid one cell wide: GDAL reads a file of its own (its global GDAL attribute) one cell wide
    // as bottom-up whatever was written, so that one keeps the default, and rioxarray's fault.
    if (width > 1) options.SetNameValue("WRITE_BOTTOMUP", "NO");
    if (compressed && (user_format.empty() || STARTS_WITH_CI(user_format.c_str(), "NC4")))
      options.SetNameValue("COMPRESS", "DEFLATE");
  }
  set_creation_options(options, format.creation_options);
  return options;
}

// The files a dataset consists of besides `main` (an ENVI header, a .prj): minerisk commits one
// file per output, so a format that needs more is refused. GDAL's PAM side file (.aux.xml), where
// it keeps what a format cannot hold (a band's unit or description in HFA), is left out and
// removed: the values are in the file itself.
std::vector<std::string> companions(GDALDataset& ds, const std::filesystem::path& main,
                                    const std::filesystem::path& destination) {
  const std::filesystem::path pam = main.string() + ".aux.xml";
  std::vector<std::string> others;
  char** list = ds.GetFileList();
  for (char** f = list; f && *f; ++f) {
    const std::filesystem::path file(*f);
    if (file == main || file == pam) continue;
    // Named as it would have stood beside the destination (0.prj -> dist.prj).
    std::string name = file.filename().string();
    const std::string stem = main.stem().string();
    if (name.rfind(stem, 0) == 0) name = destination.stem().string() + name.substr(stem.size());
    others.push_back(name);
  }
  CSLDestroy(list);
  return others;
}

// The copy's georeferencing as the format itself holds it (read without GDAL's .aux.xml, which
// is not kept): a format that cannot hold the grid's CRS or cells is refused, not written
// unlocated (Kro, GSAG, PCRaster) or mislabelled (GTX).
bool same_georeferencing(GDALDataset& original, GDALDataset& copy) {
  double a[6], b[6];
  if (original.GetGeoTransform(a) != CE_None || copy.GetGeoTransform(b) != CE_None) return false;
  for (int i = 0; i < 6; ++i)
    if (std::fabs(a[i] - b[i]) > 1e-9 * std::max(1.0, std::fabs(a[i]))) return false;
  const OGRSpatialReference* sa = original.GetSpatialRef();
  const OGRSpatialReference* sb = copy.GetSpatialRef();
  return sa && sb && sa->IsSame(sb);
}

// GDAL's progress callback for a copy: stops it when the cancel flag is set (Ctrl-C).
int CPL_STDCALL copy_progress(double, const char*, void* cancel) {
  const auto* flag = static_cast<const std::atomic<bool>*>(cancel);
  return flag && flag->load() ? FALSE : TRUE;
}

// True when `copy` holds exactly the values of `original` (bit for bit, no-data for no-data),
// compared by bands of rows: a driver may store float32 as bytes, scaled integers or half floats
// without saying so (GIF, HF2, SIGDEM, GRIB...).
bool same_values(GDALDataset& original, GDALDataset& copy) {
  if (copy.GetRasterCount() != 1 || copy.GetRasterXSize() != original.GetRasterXSize() ||
      copy.GetRasterYSize() != original.GetRasterYSize())
    return false;
  GDALRasterBand* a = original.GetRasterBand(1);
  GDALRasterBand* b = copy.GetRasterBand(1);
  int has_a = 0, has_b = 0;
  const double nodata_a = a->GetNoDataValue(&has_a), nodata_b = b->GetNoDataValue(&has_b);
  const int width = original.GetRasterXSize(), height = original.GetRasterYSize();
  const int rows = std::max(1, std::min(height, (1 << 22) / std::max(width, 1)));
  std::vector<float> va(static_cast<size_t>(width) * static_cast<size_t>(rows)), vb(va.size());
  for (int row = 0; row < height; row += rows) {
    const int n = std::min(rows, height - row);
    if (a->RasterIO(GF_Read, 0, row, width, n, va.data(), width, n, GDT_Float32, 0, 0, nullptr) != CE_None ||
        b->RasterIO(GF_Read, 0, row, width, n, vb.data(), width, n, GDT_Float32, 0, 0, nullptr) != CE_None)
      return false;
    for (size_t i = 0; i < static_cast<size_t>(width) * static_cast<size_t>(n); ++i) {
      const bool missing_a = has_a && va[i] == static_cast<float>(nodata_a);
      const bool missing_b = has_b && vb[i] == static_cast<float>(nodata_b);
      if (missing_a != missing_b || (!missing_a && std::memcmp(&va[i], &vb[i], sizeof(float)) != 0)) return false;
    }
  }
  return true;
}

// Copies the GeoTIFF `from` into `to` with `driver` (COG, netCDF, HFA...), as gdal_translate,
// and refuses the result unless it is one file holding exactly the same values.
void copy_with_driver(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& driver,
                      const CPLStringList& options, const std::filesystem::path& destination, const Control& control) {
  GDALDriver* writer = GetGDALDriverManager()->GetDriverByName(driver.c_str());
  const auto refuse = [&](const std::string& why) {
    throw UserError("output: " + driver + " cannot write '" + destination.string() + "': " + why);
  };
  // Some drivers refuse a file that exists (GPKG): the empty temporary goes; the private folder
  // is ours alone (mode 0700), so the name stays safe.
  std::filesystem::remove(to);
  const GdalErrorTrap trap;
  DatasetPtr source(GDALDataset::Open(from.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  DatasetPtr copy(source ? writer->CreateCopy(to.c_str(), source.get(), FALSE, options.List(), copy_progress,
                                              const_cast<std::atomic<bool>*>(control.cancel))
                         : nullptr);
  control.check_cancelled();
  if (copy) copy->FlushCache(true);
  if (!copy || trap.raised_for(*copy))
    refuse((trap.raised() ? trap.first() : last_gdal_error()) + "; choose another -of or --co");
  copy.reset();  // closed: what it wrote is on disk
  std::filesystem::remove(to.string() + ".aux.xml");  // GDAL's side file: not kept (companions)
  DatasetPtr written(GDALDataset::Open(to.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!written) refuse("GDAL cannot read back what it wrote; choose another -of");
  if (const std::vector<std::string> others = companions(*written, to, destination); !others.empty())
    refuse("it writes " + std::to_string(others.size() + 1) + " files (" + others.front() +
           (others.size() > 1 ? ", " + others[1] : "") + (others.size() > 2 ? ", ..." : "") +
           "), and minerisk writes one file per output; choose GTiff, COG, "
           "netCDF or HFA");
  if (!same_georeferencing(*source, *written))
    refuse("it cannot hold the grid's CRS or geotransform; choose GTiff, COG, netCDF or HFA");
  if (!same_values(*source, *written))
    refuse("it would not keep the float32 values exactly (it stores them with loss or as another type); "
           "choose GTiff, COG, netCDF or HFA");
}

// Before any tile is computed: the grid's first 2 x 2 cells, copied with `driver` as the whole
// output will be, pass the same checks (one file, the CRS and cells kept, the values exact). A
// format that cannot hold the output (XYZ loses the CRS, a .asc writes its .prj beside) is
// refused at once, not after the work. Values, not no-data: some formats hold no NaN, and a grid
// may have no cell without a value.
void try_copy_of_corner(const Grid& grid, const std::string& driver, const CPLStringList& options, OutputSet& staged,
                        size_t k, double nodata, const std::filesystem::path& destination, const Control& control) {
  Grid corner = grid;
  corner.frame.width = std::min<int64_t>(2, grid.width()), corner.frame.height = std::min<int64_t>(2, grid.height());
  const std::filesystem::path tiff = staged.scratch(k, ".corner-source.tif");
  {
    GeoTiffWriter writer(tiff, corner, 16, nodata, "trial", "NONE");
    const std::vector<float> values = {0.3f, 1234.5678f, -0.001f, 7.0e-6f};
    const kernels::Window all{0, 0, corner.width(), corner.height()};
    writer.write(all, std::vector<float>(values.begin(), values.begin() + corner.width() * corner.height()));
    writer.close();
  }
  // Named as the output is: some drivers read the extension (netCDF fails silently without .nc).
  copy_with_driver(tiff, staged.scratch(k, ".corner" + destination.extension().string()), driver, options, destination,
                   control);
}

// The no-data value `output` is written with: --dst-nodata when given, else the tool's own.
double written_nodata(const ToolOutput& output, const RasterOutputOptions& format) {
  return format.nodata ? *format.nodata : output.nodata;
}

// --dst-nodata: a value a float32 output can hold.
void check_nodata_option(const RasterOutputOptions& format, const Control& control) {
  if (format.nodata && !std::isnan(*format.nodata) && !(std::abs(*format.nodata) <= std::numeric_limits<float>::max()))
    throw UserError(control.dst_nodata_name + ": " + number_text(*format.nodata) +
                    " is no float32 value; give a number within 3.4e38, or nan");
}

}  // namespace

void check_tool_outputs(const std::vector<std::filesystem::path>& outputs,
                        const std::vector<std::pair<std::string, std::filesystem::path>>& inputs,
                        const RasterOutputOptions& format, const Control& control) {
  std::vector<std::filesystem::path> given;  // an empty path is an output not asked for
  std::copy_if(outputs.begin(), outputs.end(), std::back_inserter(given), [](const auto& p) { return !p.empty(); });
  std::vector<std::filesystem::path> paths;
  for (const auto& [role, path] : inputs) {
    require_input_file(path, role);  // an empty path (an input not given) passes
    paths.push_back(path);
  }
  OutputSet probe(paths, control.overwrite);
  for (const std::filesystem::path& out : given) probe.add(out);  // the refusals that protect data first
  output_drivers(given, format);
  check_nodata_option(format, control);
}

void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs,
                   const std::vector<ToolInput>& inputs, const RasterOutputOptions& format,
                   const Control& control, const std::string& label, const TileComputer& compute, TileShape shape) {
  control.check();
  check_nodata_option(format, control);
  const std::string compression = checked_compression(format.compress);
  std::vector<std::filesystem::path> paths;
  for (const ToolOutput& out : outputs) paths.push_back(out.path);
  std::vector<std::filesystem::path> input_paths;
  for (const ToolInput& input : inputs) input_paths.push_back(input.path);
  OutputSet staged(input_paths, control.overwrite);
  for (const ToolOutput& out : outputs) {
    const size_t k = staged.add(out.path);
    // Uncompressed, the data's size exactly; compressed, only the tile index (offsets and byte
    // counts, 8 bytes a tile) is certain.
    const auto cells = static_cast<uint64_t>(grid.width()) * static_cast<uint64_t>(grid.height());
    const auto block = static_cast<uint64_t>(geotiff_block_for(control.tile_size));
    const uint64_t tiles = ((static_cast<uint64_t>(grid.width()) + block - 1) / block) *
                           ((static_cast<uint64_t>(grid.height()) + block - 1) / block);
    staged.expect_size(k, compression == "NONE" ? cells * 4 : tiles * 8);
  }
  const std::vector<std::string> drivers = output_drivers(paths, format);
  const std::string record = tool_inputs_json(inputs);  // read before anything is written
  staged.writing([&] {
    // GeoTIFFs are written tile by tile where they go; other formats from a GeoTIFF beside them
    // (uncompressed: it is read once, right away).
    for (size_t k = 0; k < outputs.size(); ++k)
      if (drivers[k] != "GTiff")
        try_copy_of_corner(grid, drivers[k], creation_options(drivers[k], compression, format, grid.width()), staged,
                           k, written_nodata(outputs[k], format), outputs[k].path, control);
    std::vector<std::filesystem::path> tiffs;
    std::vector<std::unique_ptr<GeoTiffWriter>> writers;
    // Tiles (or bands of rows) of the tile size are whole TIFF blocks when the block is the tile
    // size: then each worker compresses its own blocks (GeoTiffWriter::encode).
    const int64_t block = geotiff_block_for(control.tile_size);
    for (size_t k = 0; k < outputs.size(); ++k) {
      const bool direct = drivers[k] == "GTiff";
      tiffs.push_back(direct ? staged.temporary(k) : staged.scratch(k, ".tif"));
      writers.push_back(std::make_unique<GeoTiffWriter>(
          tiffs[k], grid, block, written_nodata(outputs[k], format), outputs[k].description, direct ? compression : "NONE",
          direct ? format.creation_options : std::vector<std::string>{}, outputs[k].units,
          block == control.tile_size));
      // The record of the inputs (tool_provenance.hpp); a netCDF file gets it after its copy.
      if (drivers[k] != "netCDF") writers[k]->set_metadata(kToolInputsKey, record);
      if (drivers[k] == "netCDF") {
        // What GDAL's netCDF driver makes of a band when it copies one: the variable's name and
        // its CF long_name and units (other drivers would keep them in a PAM .aux.xml beside).
        if (!outputs[k].variable.empty()) writers[k]->set_band_metadata("NETCDF_VARNAME", outputs[k].variable);
        writers[k]->set_band_metadata("long_name", outputs[k].description);
        if (!outputs[k].units.empty()) writers[k]->set_band_metadata("units", outputs[k].units);
      }
    }
    const std::vector<kernels::Window> tiles =
        TilePlan(grid.width(), grid.height(), control.tile_size, shape).tiles();
    TilesInOrder<std::vector<GeoTiffTile>> in_order(tiles);  // the same file at any thread count
    std::vector<std::string> names;
    std::vector<double> nodata;
    for (const ToolOutput& out : outputs) names.push_back(out.description), nodata.push_back(written_nodata(out, format));
    UnwritableValues unwritable(names, nodata, grid.width(), control.dst_nodata_name);
    const auto write = [&](std::vector<GeoTiffTile> ready) {
      for (size_t k = 0; k < writers.size(); ++k) writers[k]->write(std::move(ready[k]));
    };
    TileLoopOptions loop = control.loop(label);
    loop.in_plan_order = true;  // the tiles written in order wait for few others (TilesInOrder)
    for_each_tile(tiles, loop, [&](const kernels::Window& tile) {
      if (unwritable.after_first(tile)) {  // refused anyway, naming an earlier cell
        in_order.done(tile, std::nullopt, write);
        return;
      }
      std::vector<std::vector<float>> values = compute(tile);
      unwritable.check(values, tile);
      std::vector<GeoTiffTile> ready;
      for (size_t k = 0; k < writers.size(); ++k) ready.push_back(writers[k]->encode(tile, std::move(values[k])));
      in_order.done(tile, std::move(ready), write);
    });
    unwritable.refuse();
    for (auto& w : writers) w->close();
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (drivers[k] == "GTiff") continue;
      control.check_cancelled();
      copy_with_driver(tiffs[k], staged.temporary(k), drivers[k],
                       creation_options(drivers[k], compression, format, grid.width()), outputs[k].path, control);
      if (drivers[k] == "netCDF") write_tool_inputs_netcdf4(staged.temporary(k), record);
    }
  });
  staged.commit(control.cancel);
}

}  // namespace minerisk::ops
