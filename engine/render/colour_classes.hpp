#pragma once
// The probability's colour classes on a map: breaks that fall on the land-release thresholds
// (T1: technical survey, T2: clearance, as `minerisk areas` uses them) with log-spaced or
// quantile breaks between, so that the tenfold steps below T1, where most land lies, stay
// distinguishable. Colours run along one perceptual ramp, light to dark, interpolated in OKLab
// so that equal steps of class look like equal steps of colour.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "drawing.hpp"

namespace minerisk::render {

enum class BreakMethod { log, quantile };

struct ColourClasses {
  // Class k holds lower[k] <= p < lower[k + 1]; the last one reaches 1 (inclusive).
  std::vector<double> lower;
  std::vector<Colour> colours;
  std::vector<std::string> labels;  // "0.05 – 0.1"
  double t1 = 0.05, t2 = 0.5;
  BreakMethod method = BreakMethod::log;

  size_t size() const { return lower.size(); }
  /// The class of probability p (p below 0 counts in the first, above 1 in the last); -1 for NaN.
  int class_of(double p) const;
  /// Which land-release group class k falls in: 0 below T1, 1 from T1 to T2, 2 from T2.
  int group_of(size_t k) const;
};

/// Breaks at 1-2-5 steps from 0.001 (or a tenth of T1 when it is lower) up to 1, with T1 and T2
/// among them and any step within a factor 1.25 of either left out.
ColourClasses log_classes(double t1, double t2);

/// How many cells fall in fine log-spaced bins of probability (1000 a decade from 1e-7 to 1,
/// a relative width of 0.23 %), apart for each land-release group (the group decided by the
/// exact value): what quantile breaks are computed from, over the cells themselves rather
/// than a map's pixels, so that they do not depend on the page.
struct ProbabilityHistogram {
  static constexpr int kBinsPerDecade = 1000, kDecades = 7, kBins = kBinsPerDecade * kDecades + 2;
  double t1 = 0.05, t2 = 0.5;
  std::array<std::vector<uint64_t>, 3> counts;  // per group, kBins each

  ProbabilityHistogram(double t1_, double t2_);
  /// Bin 0 holds values up to 1e-7 (and below 0), the last values of 1 and above.
  static int bin_of(double p);
  static double lower_edge(int bin);
  void add(float p);  // NaN is not counted
  void merge(const ProbabilityHistogram& other);
};

/// Breaks at the quantiles of the cells that split each land-release group into classes of
/// equal land (to the histogram's bin): 5 below T1, 3 from T1 to T2, 2 above (fewer when
/// values repeat), each rounded to two significant digits.
ColourClasses quantile_classes(const ProbabilityHistogram& cells);

/// A probability as a legend prints it: "0.005", "0.05", "1".
std::string probability_label(double p);

/// The ramp's colour at t in [0, 1] (0 light, 1 dark).
Colour ramp_colour(double t);

}  // namespace minerisk::render
