#pragma once
// What fit reports beside the weights: the weights of evidence of the classed layers, and the
// training rows as CSV.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fit_design.hpp"
#include "minerisk/kernels/logistic_regression.hpp"

namespace minerisk::fit_detail {

/// Weights of evidence over the training cells of each classed layer (step and categorical
/// transforms, record coverage): "layer" or "layer = class". A class for which one of the four
/// counts is 0 (finds and other training cells, in it and out of it) has no finite weights: left
/// out, and `notes` says which and why.
std::vector<std::pair<std::string, kernels::WeightsOfEvidence>> classed_weights_of_evidence(
    const Scenario& s, const Design& design, std::vector<std::string>& notes);

/// The design as CSV: each row's cell (row, col), each layer's transformed value, the label.
std::string design_csv(const Scenario& s, const Design& design, int64_t grid_width);

}  // namespace minerisk::fit_detail
