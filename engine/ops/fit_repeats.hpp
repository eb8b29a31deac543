#pragma once
// Repeated cross-fitting: the fit done again on other random deals of the blocks into folds and
// other draws of background cells, and the weights taken as the median over the repeats.
//
// Why: the label layers of a training cell are built without its own fold's labels, so which
// blocks share a fold decides what each cell sees. When finds are clustered in a few blocks, one
// unlucky deal puts the whole cluster in one fold, its cells see no find, and the fitted weight
// of the finds collapses (on the sample region, seed 3 drops it to 0.29 and seed 5 to -0.54,
// against about 0.7 for the others). The median over several splits, as double/debiased machine
// learning does it (Chernozhukov et al. 2018, section 3.4), does not depend on any one deal.
#include <Eigen/Dense>

#include <vector>

#include "fit_curves.hpp"
#include "fit_standardised.hpp"

namespace minerisk::fit_detail {

/// The fits of the repeats combined, on the layers' own scale (the weights `run` uses):
/// - each weight is the median of the fits' weights; for a learned curve, the median of the
///   curve's height at each knot (its ramps' running sum), so the result is the median curve;
/// - the covariance is the mean over the fits of their covariance plus the outer product of
///   their deviation from that median, so the standard errors include the spread the split
///   causes (Chernozhukov et al.'s variance, averaged so that the matrix stays positive
///   semi-definite);
/// - the standardised coefficients and their covariance are those weights seen through the first
///   fit's standardisation (its columns' mean and sd), so "per sd" is always weight x sd.
/// One fit is returned as it is.
StandardisedFit median_of_fits(const std::vector<StandardisedFit>& fits, const Knots& knots);

/// The median of each row over the vectors (numpy's: the mean of the two middle values of an even
/// count).
Eigen::VectorXd median_coefficients(const std::vector<Eigen::VectorXd>& coefficients);

}  // namespace minerisk::fit_detail
