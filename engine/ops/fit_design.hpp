#pragma once
// fit's training data: the labelled cells (sparse), the design matrix built tile by tile from
// the model's features, and its label layers rebuilt out of fold (fit_folds.hpp has the folds).
#include <Eigen/Dense>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/fit.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "../features/held_out_labels.hpp"

namespace minerisk::fit_detail {

constexpr int8_t kUnused = -1;

/// The training cells: a label (1 or 0) for each labelled cell. Held sparse, as sorted
/// (cell, label) pairs, while few cells are labelled (a grid of 10^9 cells with 10^5 finds
/// holds 10^5 pairs), and as one byte a cell when many are (a label raster).
class TrainingCells {
 public:
  /// `labelled` must be sorted by cell, each cell once.
  TrainingCells(size_t grid_cells, std::vector<std::pair<size_t, int8_t>> labelled);

  int8_t label_of(size_t cell) const;
  /// Whether any cell of `w` is labelled.
  bool any_in(const kernels::Window& w, int64_t grid_width) const;

  int64_t positives = 0, negatives = 0;
  bool labels_resampled = false;  // a label raster not on the grid's cells, taken at their centres

 private:
  std::vector<std::pair<size_t, int8_t>> sparse_;
  std::vector<int8_t> dense_;  // kUnused where unlabelled; used instead of sparse_ when dense
};

/// Finds (1) and cleared land (0), or a label raster; plus random background negatives.
TrainingCells training_cells(const Scenario& s, const Model& model, const FitOptions& options);

/// The design: one row per training cell with a value in every layer, in row-major cell order.
struct Design {
  std::vector<size_t> cell;        // grid index of each row
  Eigen::MatrixXd X;               // transformed features
  Eigen::MatrixXd raw;             // the features before their transforms (classes, for WoE)
  Eigen::VectorXd y;
};

/// The rows of every training cell with a value in every layer, each layer built from all labels.
Design build_design(const Scenario& s, const Model& model, const TrainingCells& t, const FitOptions& options);

/// Refuses a design that cannot be fitted (one class only, a constant layer).
/// `from_labels` (the layers built out of fold), `outside_folds` (cells left out, in no zone)
/// and `by_zones` (folds by zones, not blocks) let the message say why.
void check_design(const Scenario& s, const Design& d, const std::vector<size_t>& from_labels, size_t outside_folds,
                  bool by_zones);

/// Refuses a layer that saw the labels (fit_label_leaks.cpp): the label raster, or a raster or
/// vector_distance file whose record of inputs, traced back, names the finds, the cleared land
/// or the label raster. One per fit: the labels' own file is hashed once, if ever.
class LabelLeakCheck {
 public:
  LabelLeakCheck(const Scenario& s, const FitOptions& options);
  /// UserError naming the layer, the label file and the files between; nothing for any other.
  void refuse(const EvidenceSpec& e);
  /// For the fit's notes: the layers whose trace was cut short by its caps (traced_inputs).
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  struct LabelFile {  // the scenario's finds or cleared land, or a layer an OGR VRT of them reads
    const char* what;
    VectorInputSpec spec;
    std::string sha256, layer;  // taken once, when first needed
    bool hashed = false, layer_known = false;
    const std::string& own_sha256();
    bool named_by(const RecordedInput& r);
    bool read_by(const RecordedInput& r);
    bool holds_layer(const VectorInputSpec& v);  // the same layer of this file or of a copy of it
  };
  struct LabelRaster {  // --labels: known by path (any spelling or link), or by its bytes (a copy)
    std::filesystem::path path;
    std::optional<uintmax_t> size;
    std::string sha256;
    bool described = false, is_vrt = false;
    std::vector<std::filesystem::path> own_files;  // it and, for a VRT, its sources
    std::map<std::string, std::string> hashes;  // files of the label raster's size, hashed once
    bool is(const std::string& name);
  };
  const Scenario& s_;
  const FitOptions& options_;
  std::vector<LabelFile> labels_;
  std::optional<LabelRaster> label_raster_;
  std::vector<std::string> notes_;
};

/// The evidence layers built from labels (finds, cleared land, vector layers read from their
/// files), by index. Refuses a layer that saw the labels but cannot be rebuilt out of fold
/// (LabelLeakCheck), and adds to `notes` where that check could not look far enough.
std::vector<size_t> label_layers(const Scenario& s, const FitOptions& options, std::vector<std::string>& notes);

/// Cross-fitting: recomputes the label layers' columns of `rows` of `d` without the labels that
/// touch a cell of the folds `excluded`, in parallel over the tiles holding those rows. A value
/// with no label left to build it from (a distance to nothing, +inf) becomes the largest of its
/// column among `rows`: as far as the farthest; -inf the smallest, NaN the median.
void rebuild_label_columns(const Scenario& s, const Model& model, const features::HeldOutLabels& held_out,
                           const std::vector<size_t>& layers, const std::vector<Eigen::Index>& rows, Design& d,
                           const FitOptions& options);

}  // namespace minerisk::fit_detail
