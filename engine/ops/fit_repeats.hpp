#pragma once
// Repeated cross-fitting: the fit done again on other random deals of the blocks into folds and
// other draws of background cells, and the weights taken as the median over the repeats.
//
// Why: the label layers of a training cell are built without its own fold's labels, so which
// blocks share a fold decides what each cell sees. When finds are clustered in a few blocks, one
// unlucky deal puts the whole cluster in one fold, its cells see no find, and the fitted weight
// of the finds collapses (on the sample region, 2 seeds of 10 turn it negative). The median over
// several splits, as double/debiased machine learning does it (Chernozhukov et al. 2018,
// section 3.4), does not depend on any one deal.
#include <Eigen/Dense>

#include <vector>

#include "fit_standardised.hpp"

namespace minerisk::fit_detail {

/// The fits of the repeats combined: each coefficient, on either scale, is the median of its
/// values over the fits; its covariance is the mean over the fits of their covariance plus the
/// outer product of their deviation from that median, so the standard errors include the
/// spread the split causes (the variance estimate of Chernozhukov et al., averaged so that the
/// matrix stays positive semi-definite). One fit is returned as it is. The columns' mean and sd
/// are the first fit's.
StandardisedFit median_of_fits(const std::vector<StandardisedFit>& fits);

/// The median of each coefficient of `fits`, on the layers' own scale (rows: coefficients).
Eigen::VectorXd median_coefficients(const std::vector<Eigen::VectorXd>& coefficients);

}  // namespace minerisk::fit_detail
