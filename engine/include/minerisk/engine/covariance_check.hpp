#pragma once
// What is wrong with a coefficient table's covariance, as fit writes it into a model file and
// a --report: read back by run --model and by a sweep's weights_from, both of which refuse the
// same faults in the same words.
#include <string>
#include <vector>

namespace minerisk {

/// "" for a covariance fit could have written: one name each (`names`, in the rows' order),
/// finite values, variances of at least 0, and symmetric to a relative 1e-6 (fit's sums of
/// products may differ in their last bits between (i, j) and (j, i)). Otherwise what is wrong,
/// to follow "the covariance ", e.g. "is not symmetric: row 1, column 2 differs from row 2,
/// column 1". `values` is square, one row per name.
std::string covariance_problem(const std::vector<std::string>& names, const std::vector<std::vector<double>>& values);

}  // namespace minerisk
