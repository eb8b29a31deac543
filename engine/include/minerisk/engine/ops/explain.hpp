#pragma once
// `minerisk explain`: why a cell of a run's output scores what it does, layer by layer: each
// evidence layer's log-odds contribution at a point, and its rank among the region's cells.
#include <filesystem>
#include <string>
#include <vector>

namespace minerisk::ops {

struct ExplainOptions {
  double x = 0, y = 0;  // the point
  std::string crs;      // the point's CRS (anything GDAL takes); empty: the grid's
  std::string variable; // of a file with several (a sweep's "p95"); default probability or mean
};

struct LayerContribution {
  std::string layer;
  double contribution = 0;  // log-odds
  double rank = 0;          // share of the region's cells (with data) scoring lower, ties halved
};

struct Explanation {
  int64_t row = 0, col = 0;
  double x = 0, y = 0;  // the cell's centre, in the grid's CRS
  std::string variable;  // what `probability` is: "probability", a sweep's "mean", "value" of a raster
  double probability = 0, probability_rank = 0;
  double intercept = 0;  // NaN when the file's scenario has none
  std::vector<LayerContribution> layers;
  double log_odds = 0;   // the intercept plus every contribution

  /// As JSON text (what `minerisk explain --json` prints).
  std::string json() const;
  /// As the table `minerisk explain` prints.
  std::string table() const;
};

/// Explains the cell of `grid_file` holding the point: for an output of `minerisk run`, each
/// layer's contribution; for any other grid GDAL reads (a sweep's output, a GeoTIFF), the value
/// and its rank only. A point outside the grid or a CRS GDAL does not know is a UserError.
Explanation explain(const std::filesystem::path& grid_file, const ExplainOptions& options);

}  // namespace minerisk::ops
