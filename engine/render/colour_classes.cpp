#include "colour_classes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace minerisk::render {
namespace {

struct Lab {
  double l, a, b;
};

double to_linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
double to_srgb(double c) {
  c = std::clamp(c, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
}

// OKLab (Björn Ottosson, 2020): a colour space in which distances match perceived differences.
Lab oklab(const Colour& c) {
  const double r = to_linear(c.r), g = to_linear(c.g), b = to_linear(c.b);
  const double l = std::cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const double m = std::cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const double s = std::cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return {0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s, 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
          0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s};
}

Colour srgb(const Lab& c) {
  const double l = std::pow(c.l + 0.3963377774 * c.a + 0.2158037573 * c.b, 3);
  const double m = std::pow(c.l - 0.1055613458 * c.a - 0.0638541728 * c.b, 3);
  const double s = std::pow(c.l - 0.0894841775 * c.a - 1.2914855480 * c.b, 3);
  return {to_srgb(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
          to_srgb(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
          to_srgb(-0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s), 1};
}

// Round a colour to 8-bit steps, so a PNG and a QGIS style hold the same colour.
Colour rounded(const Colour& c) {
  const auto q = [](double v) { return std::round(std::clamp(v, 0.0, 1.0) * 255) / 255; };
  return {q(c.r), q(c.g), q(c.b), c.a};
}

void finish(ColourClasses& classes) {
  const size_t n = classes.lower.size();
  classes.colours.clear();
  classes.labels.clear();
  for (size_t k = 0; k < n; ++k) {
    classes.colours.push_back(ramp_colour(n == 1 ? 1.0 : static_cast<double>(k) / static_cast<double>(n - 1)));
    const std::string upper = k + 1 < n ? probability_label(classes.lower[k + 1]) : "1";
    classes.labels.push_back(probability_label(classes.lower[k]) + " \u2013 " + upper);
  }
}

}  // namespace

Colour ramp_colour(double t) {
  // ColorBrewer's YlOrRd anchors (light yellow to dark red; readable by the common colour
  // vision deficiencies), joined in OKLab.
  static const std::array<Colour, 6> anchors = {Colour::rgb(255, 255, 204), Colour::rgb(254, 217, 118),
                                                Colour::rgb(253, 141, 60),  Colour::rgb(227, 26, 28),
                                                Colour::rgb(177, 0, 38),    Colour::rgb(90, 0, 40)};
  t = std::clamp(t, 0.0, 1.0) * (anchors.size() - 1);
  const size_t i = std::min(anchors.size() - 2, static_cast<size_t>(t));
  const double f = t - static_cast<double>(i);
  const Lab a = oklab(anchors[i]), b = oklab(anchors[i + 1]);
  return rounded(srgb({a.l + f * (b.l - a.l), a.a + f * (b.a - a.a), a.b + f * (b.b - a.b)}));
}

std::string probability_label(double p) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", p);
  return text;
}

int ColourClasses::class_of(double p) const {
  if (std::isnan(p)) return -1;
  // The last class whose lower bound is at or below p.
  const auto it = std::upper_bound(lower.begin() + 1, lower.end(), p);
  return static_cast<int>(it - lower.begin()) - 1;
}

int ColourClasses::group_of(size_t k) const { return lower[k] >= t2 ? 2 : lower[k] >= t1 ? 1 : 0; }

ColourClasses log_classes(double t1, double t2) {
  ColourClasses classes;
  classes.t1 = t1, classes.t2 = t2, classes.method = BreakMethod::log;
  const double lowest = std::min(0.001, t1 / 10);
  std::vector<double> breaks{0.0, t1, t2};
  for (double decade = std::pow(10.0, std::floor(std::log10(lowest))); decade < 1; decade *= 10)
    for (double step : {1.0, 2.0, 5.0}) {
      const double b = step * decade;
      if (b < lowest * 0.999 || b >= 1) continue;
      const auto near = [b](double t) { return b > t / 1.25 && b < t * 1.25; };
      if (!near(t1) && !near(t2)) breaks.push_back(b);
    }
  std::sort(breaks.begin(), breaks.end());
  breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());
  classes.lower = breaks;
  finish(classes);
  return classes;
}

ProbabilityHistogram::ProbabilityHistogram(double t1_, double t2_) : t1(t1_), t2(t2_) {
  for (auto& c : counts) c.assign(kBins, 0);
}

int ProbabilityHistogram::bin_of(double p) {
  if (!(p > 1e-7)) return 0;
  if (p >= 1) return kBins - 1;
  return std::clamp(1 + static_cast<int>(std::floor((std::log10(p) + kDecades) * kBinsPerDecade)), 1, kBins - 2);
}

double ProbabilityHistogram::lower_edge(int bin) {
  if (bin <= 0) return 0;
  if (bin >= kBins - 1) return 1;
  return std::pow(10.0, static_cast<double>(bin - 1) / kBinsPerDecade - kDecades);
}

void ProbabilityHistogram::add(float p) {
  if (std::isnan(p)) return;
  counts[p >= t2 ? 2 : p >= t1 ? 1 : 0][static_cast<size_t>(bin_of(p))] += 1;
}

void ProbabilityHistogram::merge(const ProbabilityHistogram& other) {
  for (size_t g = 0; g < 3; ++g)
    for (size_t k = 0; k < counts[g].size(); ++k) counts[g][k] += other.counts[g][k];
}

ColourClasses quantile_classes(const ProbabilityHistogram& cells) {
  ColourClasses classes;
  classes.t1 = cells.t1, classes.t2 = cells.t2, classes.method = BreakMethod::quantile;
  const std::array<double, 3> starts{0.0, cells.t1, cells.t2};
  const std::array<int, 3> parts{5, 3, 2};
  for (size_t g = 0; g < 3; ++g) {
    classes.lower.push_back(starts[g]);
    const std::vector<uint64_t>& c = cells.counts[g];
    uint64_t total = 0;
    for (uint64_t n : c) total += n;
    uint64_t below = 0;
    size_t bin = 0;
    for (int q = 1; q < parts[g] && total > 0; ++q) {
      // The first bin at which the group's cells reach the share q / parts.
      const uint64_t target = total * static_cast<uint64_t>(q) / static_cast<uint64_t>(parts[g]);
      while (bin < c.size() && below + c[bin] <= target) below += c[bin++];
      if (bin >= c.size()) break;
      // Rounded to two significant digits, so the legend reads cleanly; never below the
      // group's start nor repeating the previous break.
      char text[32];
      std::snprintf(text, sizeof text, "%.2g", ProbabilityHistogram::lower_edge(static_cast<int>(bin)));
      const double b = std::strtod(text, nullptr);
      if (b > classes.lower.back() && b < (g < 2 ? starts[g + 1] : 1.0)) classes.lower.push_back(b);
    }
  }
  finish(classes);
  return classes;
}

}  // namespace minerisk::render
