#include "fit_curves.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../src/canvas.hpp"
#include "minerisk/engine/errors.hpp"

namespace minerisk::fit_detail {

namespace {

bool learns(const EvidenceSpec& e) {
  return e.transform.kind != kernels::TransformKind::step && e.transform.kind != kernels::TransformKind::categorical;
}

double ramp(double x, double from, double to) { return std::clamp((x - from) / (to - from), 0.0, 1.0); }

}  // namespace

Knots choose_knots(const Scenario& s, const Eigen::MatrixXd& raw, int segments) {
  Knots knots(s.evidence.size());
  if (segments <= 0) return knots;
  for (size_t j = 0; j < s.evidence.size(); ++j) {
    if (!learns(s.evidence[j])) continue;
    std::vector<double> v(raw.col(static_cast<Eigen::Index>(j)).begin(), raw.col(static_cast<Eigen::Index>(j)).end());
    std::sort(v.begin(), v.end());
    std::vector<double> k;
    for (int q = 0; q <= segments; ++q) {
      const auto at = static_cast<size_t>(std::llround(static_cast<double>(q) / segments * static_cast<double>(v.size() - 1)));
      if (k.empty() || v[at] > k.back()) k.push_back(v[at]);
    }
    if (k.size() >= 2) knots[j] = std::move(k);
  }
  return knots;
}

Eigen::MatrixXd curve_columns(const Eigen::MatrixXd& X, const Eigen::MatrixXd& raw, const Knots& knots) {
  Eigen::Index columns = 0;
  for (const auto& k : knots) columns += k.empty() ? 1 : static_cast<Eigen::Index>(k.size() - 1);
  Eigen::MatrixXd B(X.rows(), columns);
  Eigen::Index c = 0;
  for (size_t j = 0; j < knots.size(); ++j) {
    const auto layer = static_cast<Eigen::Index>(j);
    if (knots[j].empty()) {
      B.col(c++) = X.col(layer);
      continue;
    }
    for (size_t s = 1; s < knots[j].size(); ++s, ++c)
      for (Eigen::Index i = 0; i < X.rows(); ++i) B(i, c) = ramp(raw(i, layer), knots[j][s - 1], knots[j][s]);
  }
  return B;
}

namespace {

// +1 when the transform never decreases as the feature grows, -1 when it never increases, 0
// when it does both (gaussian, categorical, a piecewise curve that turns).
int transform_direction(const kernels::Transform& t) {
  using K = kernels::TransformKind;
  switch (t.kind) {
    case K::linear:
    case K::log1p:
    case K::step: return 1;
    case K::exp_decay: return -1;
    case K::piecewise: {
      bool up = false, down = false;
      for (size_t i = 1; i < t.ys.size(); ++i) up = up || t.ys[i] > t.ys[i - 1], down = down || t.ys[i] < t.ys[i - 1];
      return up && down ? 0 : down ? -1 : 1;
    }
    default: return 0;
  }
}

}  // namespace

std::vector<int> curve_column_signs(const Scenario& s, const Knots& knots) {
  std::vector<int> signs;
  for (size_t j = 0; j < knots.size(); ++j) {
    const EvidenceSpec& e = s.evidence[j];
    // `effect` is the direction along the feature: a learned curve's ramps rise with the raw
    // feature; a single weight multiplies the transformed one, which a transform may reverse.
    const int direction = knots[j].empty() ? transform_direction(e.transform) : 1;
    if (e.effect != 0 && direction == 0)
      throw UserError(s.file.string() + ": layer 'model.evidence." + e.name + "' has effect = \"" +
                      (e.effect > 0 ? "increasing" : "decreasing") + "\" but its " +
                      kernels::transform_name(e.transform.kind) +
                      " transform rises and falls, so no sign of its weight means that; remove effect or use a "
                      "monotone transform");
    signs.insert(signs.end(), knots[j].empty() ? 1 : knots[j].size() - 1, e.effect * direction);
  }
  return signs;
}

std::vector<std::string> curve_column_names(const Scenario& s, const Knots& knots) {
  std::vector<std::string> names;
  for (size_t j = 0; j < knots.size(); ++j) {
    if (knots[j].empty()) names.push_back(s.evidence[j].name);
    for (size_t k = 1; k < knots[j].size(); ++k) names.push_back(s.evidence[j].name + ":segment " + std::to_string(k));
  }
  return names;
}

std::vector<Curve> curves_of(const Scenario& s, const Knots& knots, const Eigen::VectorXd& coefficients) {
  std::vector<Curve> curves;
  Eigen::Index c = 1;  // past the intercept
  for (size_t j = 0; j < knots.size(); ++j) {
    if (knots[j].empty()) {
      ++c;
      continue;
    }
    Curve curve{s.evidence[j].name, knots[j], {0.0}};
    for (size_t k = 1; k < knots[j].size(); ++k) curve.y.push_back(curve.y.back() + coefficients(c++));
    curves.push_back(std::move(curve));
  }
  return curves;
}

void write_curves_png(const std::vector<Curve>& curves, const std::string& path) {
  // Panels of 300 x 200 pixels, three across; each with its own axes, since layers differ in
  // units, and a dashed zero line so the sign of each effect is plain.
  const int pw = 300, ph = 200, margin = 50, across = 3;
  const int rows = static_cast<int>((curves.size() + across - 1) / across);
  Canvas canvas(across * (pw + 2 * margin), std::max(1, rows) * (ph + 2 * margin));
  const Rgb ink{40, 40, 40}, grey{170, 170, 170}, blue{31, 90, 170};
  canvas.rect(0, 0, canvas.width(), canvas.height(), {255, 255, 255});
  for (size_t n = 0; n < curves.size(); ++n) {
    const Curve& c = curves[n];
    const int x0 = static_cast<int>(n % across) * (pw + 2 * margin) + margin;
    const int y0 = static_cast<int>(n / across) * (ph + 2 * margin) + margin;
    const double xlo = c.x.front(), xhi = c.x.back();
    double ylo = std::min(0.0, *std::min_element(c.y.begin(), c.y.end()));
    double yhi = std::max(0.0, *std::max_element(c.y.begin(), c.y.end()));
    if (yhi - ylo < 1e-9) yhi = ylo + 1;
    const auto px = [&](double x) { return x0 + static_cast<int>(std::lround((x - xlo) / (xhi - xlo) * pw)); };
    const auto py = [&](double y) { return y0 + ph - static_cast<int>(std::lround((y - ylo) / (yhi - ylo) * ph)); };
    canvas.frame(x0, y0, pw, ph, ink);
    for (int x = x0; x < x0 + pw; x += 6) canvas.line(x, py(0), std::min(x + 3, x0 + pw - 1), py(0), grey);
    for (size_t k = 1; k < c.x.size(); ++k) {
      canvas.line(px(c.x[k - 1]), py(c.y[k - 1]), px(c.x[k]), py(c.y[k]), blue);
      canvas.line(px(c.x[k - 1]), py(c.y[k - 1]) + 1, px(c.x[k]), py(c.y[k]) + 1, blue);
    }
    for (size_t k = 0; k < c.x.size(); ++k) canvas.rect(px(c.x[k]) - 1, py(c.y[k]) - 1, 3, 3, ink);
    char label[64];
    canvas.text(x0, y0 - 14, c.layer, 1, ink);
    std::snprintf(label, sizeof label, "%.3g", xlo);
    canvas.text(x0, y0 + ph + 6, label, 1, ink);
    std::snprintf(label, sizeof label, "%.3g", xhi);
    canvas.text(x0 + pw - Canvas::text_width(label, 1), y0 + ph + 6, label, 1, ink);
    std::snprintf(label, sizeof label, "%+.2f", yhi);
    canvas.text(x0 - 4 - Canvas::text_width(label, 1), y0, label, 1, ink);
    std::snprintf(label, sizeof label, "%+.2f", ylo);
    canvas.text(x0 - 4 - Canvas::text_width(label, 1), y0 + ph - 7, label, 1, ink);
    canvas.text(x0 + pw / 2 - Canvas::text_width("LAYER VALUE", 1) / 2, y0 + ph + 18, "LAYER VALUE", 1, grey);
  }
  canvas.write_png(path);
}

}  // namespace minerisk::fit_detail
