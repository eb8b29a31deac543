#include "fit_reports.hpp"

#include <cstdio>
#include <functional>
#include <sstream>

#include "../features/feature.hpp"
#include "minerisk/engine/joined.hpp"

namespace minerisk::fit_detail {

namespace {
// Why a class's weights of evidence cannot be computed: which of the four counts is 0 (W+ and
// W- are logs of ratios of them).
std::string why_no_weights(double in_find, double in_other, double out_find, double out_other) {
  if (in_find + in_other == 0) return "no training cell lies in it";
  if (out_find + out_other == 0) return "every training cell lies in it";
  if (in_find == 0) return "no training find lies in it";
  if (in_other == 0) return "every training cell in it is a find";
  if (out_find == 0) return "every training find lies in it";
  return "every training cell that is not a find lies in it";
}
}  // namespace

std::vector<std::pair<std::string, kernels::WeightsOfEvidence>> classed_weights_of_evidence(
    const Scenario& s, const Design& design, std::vector<std::string>& notes) {
  std::vector<std::pair<std::string, kernels::WeightsOfEvidence>> out;
  for (size_t j = 0; j < s.evidence.size(); ++j) {
    const EvidenceSpec& e = s.evidence[j];
    const auto column = design.X.col(static_cast<Eigen::Index>(j));
    const auto raw = design.raw.col(static_cast<Eigen::Index>(j));
    std::vector<std::pair<std::string, std::function<bool(Eigen::Index)>>> classes;
    if (e.transform.kind == kernels::TransformKind::categorical) {
      for (size_t c = 0; c < e.transform.xs.size(); ++c) {  // one per listed class, by its value
        char label[96];
        std::snprintf(label, sizeof label, "%s = %.17g", e.name.c_str(), e.transform.xs[c]);
        const double cls = e.transform.xs[c];
        classes.emplace_back(label, [&, cls](Eigen::Index i) { return raw(i) == cls; });
      }
    } else if (e.transform.kind == kernels::TransformKind::step) {
      classes.emplace_back(e.name, [&](Eigen::Index i) { return column(i) > 0; });
    } else if (features::find_feature_kind(e.feature)->classed) {
      classes.emplace_back(e.name, [&](Eigen::Index i) { return raw(i) > 0; });
    }
    std::vector<std::string> left_out;  // "'label' (why)", one note per layer however many classes
    for (const auto& [label, in_class] : classes) {
      double bd = 0, bn = 0, nd = 0, nn = 0;
      for (Eigen::Index i = 0; i < design.y.size(); ++i) {
        const bool b = in_class(i), d = design.y(i) > 0;
        (b ? (d ? bd : bn) : (d ? nd : nn)) += 1;
      }
      try {
        out.emplace_back(label, kernels::weights_of_evidence(bd, bn, nd, nn));
      } catch (const std::domain_error&) {  // a log of 0 (or of 0 / 0): no number
        left_out.push_back("'" + label + "' (" + why_no_weights(bd, bn, nd, nn) + ")");
      }
    }
    if (left_out.size() == 1)
      notes.push_back("weights of evidence: " + left_out.front() + " is left out of the table, having no finite W+ or W-");
    else if (!left_out.empty())
      notes.push_back("weights of evidence: " + std::to_string(left_out.size()) + " classes of '" + e.name +
                      "' are left out of the table, having no finite W+ or W-: " + joined(left_out));
  }
  return out;
}

std::string design_csv(const Scenario& s, const Design& design, int64_t grid_width) {
  std::ostringstream csv;
  csv.precision(17);
  // The cell of each row first (row and column of the grid), so a row can be found on the map.
  csv << "row,col,";
  for (const EvidenceSpec& e : s.evidence) csv << e.name << ",";
  csv << "label\n";
  for (Eigen::Index i = 0; i < design.X.rows(); ++i) {
    const auto cell = static_cast<int64_t>(design.cell[static_cast<size_t>(i)]);
    csv << cell / grid_width << "," << cell % grid_width << ",";
    for (Eigen::Index j = 0; j < design.X.cols(); ++j) csv << design.X(i, j) << ",";
    csv << design.y(i) << "\n";
  }
  return csv.str();
}

}  // namespace minerisk::fit_detail
