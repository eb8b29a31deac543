#include "minerisk/engine/covariance_check.hpp"

#include <algorithm>
#include <cmath>

namespace minerisk {

std::string covariance_problem(const std::vector<std::string>& names, const std::vector<std::vector<double>>& c) {
  for (size_t i = 0; i < names.size(); ++i)
    if (std::count(names.begin(), names.end(), names[i]) > 1) return "names '" + names[i] + "' twice";
  for (size_t i = 0; i < c.size(); ++i) {
    for (double v : c[i])
      if (!std::isfinite(v)) return "holds a value that is not a finite number (row " + std::to_string(i + 1) + ")";
    if (c[i][i] < 0) return "holds a negative variance on its diagonal (row " + std::to_string(i + 1) + ")";
  }
  for (size_t i = 0; i < c.size(); ++i)
    for (size_t j = i + 1; j < c.size(); ++j) {
      const double scale = std::max({std::abs(c[i][j]), std::abs(c[j][i]), std::sqrt(c[i][i] * c[j][j])});
      if (std::abs(c[i][j] - c[j][i]) > 1e-6 * scale)
        return "is not symmetric: row " + std::to_string(i + 1) + ", column " + std::to_string(j + 1) +
               " differs from row " + std::to_string(j + 1) + ", column " + std::to_string(i + 1);
    }
  return "";
}

}  // namespace minerisk
