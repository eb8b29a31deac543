#pragma once
// Learned per-layer curves: fit can learn each continuous layer's effect on the log-odds as a
// piecewise-linear curve of the layer's raw value, with knots at the training cells' quantiles,
// instead of one weight through a transform chosen by hand. Each curve is a sum of ramps
// (0 below one knot, rising linearly to 1 at the next, 1 beyond), fitted jointly by the same
// penalised logistic regression, and written back as a `piecewise` transform of weight 1, so
// `run`, `sweep` and `explain` need nothing new. The curve is flat beyond the outer knots:
// values outside the training range get the nearest end's effect, never an extrapolation.
#include <Eigen/Dense>

#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/ops/fit.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk::fit_detail {

/// Per layer, the knots of its curve (strictly increasing); empty for a layer that enters as
/// one column through its given transform (step and categorical layers, or no learning).
using Knots = std::vector<std::vector<double>>;

/// Knots at the quantiles 0, 1/segments, ..., 1 of each continuous layer's raw values over the
/// rows (ties merged); no curve (empty) when `segments` is 0 or the layer has one value.
Knots choose_knots(const Scenario& s, const Eigen::MatrixXd& raw, int segments);

/// The fit's columns: each layer's transformed value (X), or its ramps on the raw value.
Eigen::MatrixXd curve_columns(const Eigen::MatrixXd& X, const Eigen::MatrixXd& raw, const Knots& knots);

/// The direction each of those columns' weight may take: the layer's `effect` (a monotone curve
/// when every ramp of it keeps the direction).
std::vector<int> curve_column_signs(const Scenario& s, const Knots& knots);

/// The names of those columns: the layer's, or "layer:segment k" for its ramps (k from 1).
std::vector<std::string> curve_column_names(const Scenario& s, const Knots& knots);

/// A learned layer's curve as a piecewise transform: y at each knot, 0 at the first, the
/// cumulative sum of the ramps' coefficients after (`coefficients` holds the intercept first).
using Curve = FitResult::Curve;
std::vector<Curve> curves_of(const Scenario& s, const Knots& knots, const Eigen::VectorXd& coefficients);

/// A plot of the learned curves, one panel per layer: the contribution to the log-odds against
/// the layer's value. A PNG, or a PDF when `path` ends in .pdf.
void write_curves_plot(const std::vector<Curve>& curves, const std::filesystem::path& path);

}  // namespace minerisk::fit_detail
