#include "fit_curves.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../render/drawing.hpp"
#include "../render/plot_axes.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/output_format.hpp"

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

namespace {

// Panels of 220 x 160 points, three across, under a title; a PNG is drawn at 144 dots per inch
// (440 x 320 pixels a panel).
constexpr double kPanelWidth = 220, kPanelHeight = 160, kHeader = 30, kPlotDpi = 144;
constexpr int kAcross = 3;

void draw_curves(const render::Drawing& d, const std::vector<Curve>& curves) {
  const render::PlotStyle style;
  const render::Colour blue = render::Colour::rgb(31, 90, 170), zero = render::Colour::rgb(150, 150, 150);
  d.text(14, 8, "Learned curves", style.title, style.ink);
  d.text(14 + d.measure("Learned curves", style.title).width + 8, 11.5,
         "each layer's contribution to the log-odds, against its value; dots at the knots", style.tick, style.muted);
  for (size_t n = 0; n < curves.size(); ++n) {
    const Curve& c = curves[n];
    const double x0 = static_cast<double>(n % kAcross) * kPanelWidth;
    const double y0 = kHeader + static_cast<double>(n / kAcross) * kPanelHeight;
    // Each panel has its own axes, since layers differ in units; y always includes 0, drawn
    // dashed, so the sign of each effect is plain.
    const double xlo = c.x.front(), xhi = c.x.back();
    const double ylo = std::min(0.0, *std::min_element(c.y.begin(), c.y.end()));
    double yhi = std::max(0.0, *std::max_element(c.y.begin(), c.y.end()));
    if (yhi - ylo < 1e-9) yhi = ylo + 1;
    const double pad = 0.06 * (yhi - ylo);  // the curve clear of the frame
    render::PlotAxes axes(d, x0 + 50, y0 + 22, kPanelWidth - 64, kPanelHeight - 64, xlo, xhi, ylo - pad, yhi + pad, style);
    const std::vector<double> xt = render::nice_ticks(xlo, xhi, 4), yt = render::nice_ticks(ylo - pad, yhi + pad, 4);
    std::vector<std::string> xl, yl;
    for (double t : xt) xl.push_back(render::tick_label(t, xt.size() > 1 ? xt[1] - xt[0] : t));
    for (double t : yt) yl.push_back(render::tick_label(t, yt.size() > 1 ? yt[1] - yt[0] : t));
    d.text(axes.left(), y0 + 6, c.layer, render::Font{8.5, true}, style.ink);
    axes.grid(xt, yt);
    axes.polyline({xlo, xhi}, {0, 0}, zero, 0.9, {3, 2.5});
    axes.polyline(c.x, c.y, blue, 1.6);
    axes.markers(c.x, c.y, blue, 2.0);
    axes.frame();
    axes.x_ticks(xt, xl);
    axes.y_ticks(yt, yl);
    axes.x_title("Layer value");
    axes.y_title("Log-odds");
  }
}

}  // namespace

void write_curves_plot(const std::vector<Curve>& curves, const std::filesystem::path& path) {
  const int rows = std::max(1, static_cast<int>((curves.size() + kAcross - 1) / kAcross));
  const double width = kAcross * kPanelWidth, height = kHeader + rows * kPanelHeight;
  if (has_extension(path, ".pdf")) {
    render::Drawing d = render::Drawing::pdf(path, width, height);
    draw_curves(d, curves);
    d.finish();
    return;
  }
  const render::Drawing d = render::Drawing::png(width, height, kPlotDpi);
  draw_curves(d, curves);
  d.write_png(path);
}

}  // namespace minerisk::fit_detail
