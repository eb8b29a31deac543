#pragma once
// The logistic fit on standardised columns (each layer centred and scaled to unit standard
// deviation over the training rows), so the L2 penalty weighs every layer alike whatever its
// units, with the coefficients mapped back to the layers' own scale for `minerisk run`; and the
// detection of separation, where the weights are set by the penalty rather than by the data.
#include <Eigen/Dense>

#include <string>
#include <vector>

#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/logistic_regression.hpp"

namespace minerisk::fit_detail {

struct StandardisedFit {
  kernels::LogisticFit standardised;  // coefficients of the standardised columns
  kernels::LogisticFit original;      // the same model on the columns as they are
  Eigen::VectorXd mean, sd;           // of each column over the training rows (sd 1 if constant)
};

/// Fits on (X - mean) / sd with the penalty `l2` (scikit-learn's 1/C), and maps the
/// coefficients and their covariance back: w_j = w'_j / sd_j, b = b' - sum_j w'_j mean_j / sd_j.
/// Throws std::domain_error as kernels::fit_logistic_l2 does.
///
/// `signs` (one per column, or empty) constrains the direction of each column's weight: +1 not
/// below 0, -1 not above 0, 0 free. Columns whose fitted weight goes against their sign are set
/// to 0 and the rest refitted, until none does (an active-set method; their standard errors are
/// 0): a layer whose effect the data would turn physically backwards drops out instead.
StandardisedFit fit_standardised(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2,
                                 const std::vector<int>& signs = {});

/// fit_standardised, with a failure (a singular design, no convergence) as a UserError naming
/// the scenario, the layers at fault when they can be named (`names`: X's columns), and what to
/// change.
StandardisedFit fit_or_refuse(const Scenario& s, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2,
                              const std::vector<int>& signs, const std::vector<std::string>& names);

/// Plain-language warnings when the training cells are (quasi-)separable: a layer whose
/// positives and negatives do not overlap, or the fitted model ranking every positive above
/// every negative. Empty when there is none.
std::vector<std::string> separation_warnings(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                             const std::vector<std::string>& names, const StandardisedFit& fit);

}  // namespace minerisk::fit_detail
