#include "line_displacement.hpp"

#include <cmath>
#include <random>

namespace minerisk::features {

std::vector<kernels::Segment> displace_lines(const std::vector<kernels::Segment>& lines,
                                             const std::vector<int64_t>& line_keys, const Grid& grid, double sd,
                                             double wavelength, uint64_t seed) {
  constexpr double kTwoPi = 2 * 3.14159265358979323846;
  std::vector<kernels::Segment> out = lines;
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  // A segment's unit left-hand normal, in metres; returns its length.
  auto normal = [&](const kernels::Segment& g, double& nx, double& ny) {
    const double dx = (g.x1 - g.x0) * scale.x, dy = (g.y1 - g.y0) * scale.y, len = std::hypot(dx, dy);
    nx = len > 0 ? -dy / len : 0, ny = len > 0 ? dx / len : 0;
    return len;
  };
  std::vector<bool> seen(lines.size(), false);
  auto walk = [&](size_t start) {
    // The line's own generator: the same waves whichever other lines a layer holds.
    std::mt19937_64 rng(seed ^ (static_cast<uint64_t>(line_keys[start]) * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL));
    std::uniform_real_distribution<double> phase(0, kTwoPi);
    std::normal_distribution<double> amplitude(0, sd * std::sqrt(2.0 / 3.0));  // three waves: variance sd^2
    double a[3], p[3];
    for (int k = 0; k < 3; ++k) a[k] = amplitude(rng), p[k] = phase(rng);
    auto offset = [&](double s) {
      double o = 0;
      for (int k = 0; k < 3; ++k) o += a[k] * std::sin(kTwoPi * s / (wavelength * (k + 1)) + p[k]);
      return o;
    };
    double along = 0;
    for (int64_t i = static_cast<int64_t>(start); i >= 0 && !seen[static_cast<size_t>(i)];
         i = lines[static_cast<size_t>(i)].next) {
      const auto u = static_cast<size_t>(i);
      seen[u] = true;
      const kernels::Segment& g = lines[u];
      double nx, ny;
      const double len = normal(g, nx, ny);
      // The first vertex moves along the mean normal with the previous segment, if any.
      double mx = nx, my = ny;
      if (g.prev >= 0) {
        double px, py;
        normal(lines[static_cast<size_t>(g.prev)], px, py);
        const double m = std::hypot(nx + px, ny + py);
        if (m > 1e-9) mx = (nx + px) / m, my = (ny + py) / m;
      }
      const double o = offset(along);
      out[u].x0 = g.x0 + mx * o / scale.x, out[u].y0 = g.y0 + my * o / scale.y;
      if (g.prev >= 0) {  // the previous segment ends where this one starts
        out[static_cast<size_t>(g.prev)].x1 = out[u].x0, out[static_cast<size_t>(g.prev)].y1 = out[u].y0;
      }
      along += len;
      if (g.next < 0) {  // the line's last vertex
        const double e = offset(along);
        out[u].x1 = g.x1 + nx * e / scale.x, out[u].y1 = g.y1 + ny * e / scale.y;
      }
    }
  };
  for (size_t i = 0; i < lines.size(); ++i)
    if (!seen[i] && lines[i].prev < 0) walk(i);  // open lines, from their first segment
  for (size_t i = 0; i < lines.size(); ++i)
    if (!seen[i]) walk(i);  // closed rings, from any segment
  return out;
}

}  // namespace minerisk::features
