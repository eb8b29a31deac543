#include "areas_figures.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"
#include "minerisk/kernels/terrain.hpp"

namespace minerisk::ops {
namespace {

// Rows per band: about a million cells, so a band's rasters stay small whatever the area's width.
int64_t band_rows(int64_t width) { return std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(width, 1)); }

void add_rings(const OGRPolygon& polygon, kernels::Polygon& out) {
  for (const OGRLinearRing* ring : polygon) {
    auto& points = out.rings.emplace_back();
    for (const OGRPoint& p : *ring) points.push_back({p.getX(), p.getY()});
  }
}

// The shape as the coverage kernel's polygon: every ring of every part (even-odd: holes out).
kernels::Polygon as_kernel_polygon(const OGRGeometry& shape) {
  kernels::Polygon out;
  if (const auto* polygon = dynamic_cast<const OGRPolygon*>(&shape)) add_rings(*polygon, out);
  else if (const auto* multi = dynamic_cast<const OGRMultiPolygon*>(&shape))
    for (const OGRPolygon* part : *multi) add_rings(*part, out);
  return out;
}

// The cells the shape's envelope touches, within the grid (empty when it lies outside).
kernels::Window envelope_window(const OGRGeometry& shape, const Grid& grid) {
  OGREnvelope e;
  shape.getEnvelope(&e);
  const auto& gt = grid.frame.geotransform;
  const auto clamp = [](double v, int64_t hi) { return std::clamp<double>(v, 0, static_cast<double>(hi)); };
  const auto col0 = static_cast<int64_t>(std::floor(clamp((e.MinX - gt[0]) / gt[1], grid.width())));
  const auto col1 = static_cast<int64_t>(std::ceil(clamp((e.MaxX - gt[0]) / gt[1], grid.width())));
  const auto row0 = static_cast<int64_t>(std::floor(clamp((e.MaxY - gt[3]) / gt[5], grid.height())));
  const auto row1 = static_cast<int64_t>(std::ceil(clamp((e.MinY - gt[3]) / gt[5], grid.height())));
  return {col0, row0, std::max<int64_t>(col1 - col0, 0), std::max<int64_t>(row1 - row0, 0)};
}

struct Job {
  size_t area;
  kernels::Window band;
};

// The further rasters of one band, in the channels' order.
std::vector<std::vector<float>> read_further(const AreaInputs& in, const TallyChannels& c, const kernels::Window& w,
                                             std::map<std::string, DatasetPtr>& handles) {
  const Grid& grid = in.reader.grid();
  std::vector<std::vector<float>> further(static_cast<size_t>(c.count));
  for (size_t k = 0; k < in.evidence.size(); ++k) {
    const std::string variable = "evidence/" + in.evidence[k];
    further[k] = in.reader.read_variable_window(variable, w, handles[variable]);
  }
  const auto cells = static_cast<size_t>(w.cells());
  if (c.slope >= 0) {
    const std::vector<float> dem = in.dem->read(w.grown(1));
    further[static_cast<size_t>(c.slope)].resize(cells);
    kernels::slope_horn_degrees(dem, w, grid.frame, further[static_cast<size_t>(c.slope)]);
  }
  if (c.sd >= 0) further[static_cast<size_t>(c.sd)] = in.reader.read_variable_window("sd", w, handles["sd"]);
  if (c.p95 >= 0) further[static_cast<size_t>(c.p95)] = in.reader.read_variable_window("p95", w, handles["p95"]);
  if (c.access >= 0) {
    auto& d = further[static_cast<size_t>(c.access)];
    d.resize(cells);
    kernels::line_distance_metres(in.access_features.segments, w, grid.frame, d);
    for (const kernels::Polygon& p : in.access_features.polygons)
      kernels::for_each_covered_cell(p, w, grid.frame, [&](int64_t i) { d[static_cast<size_t>(i)] = 0.0f; });
  }
  if (c.impact >= 0) further[static_cast<size_t>(c.impact)] = in.impact->read(w);
  if (c.cost >= 0) further[static_cast<size_t>(c.cost)] = in.cost->read(w);
  if (c.items >= 0) {
    auto& items = further[static_cast<size_t>(c.items)];
    items.assign(cells, 0.0f);
    for (int64_t r = 0; r < w.height; ++r) {
      const int64_t first = (w.row0 + r) * grid.width() + w.col0;
      auto it = std::lower_bound(in.items.begin(), in.items.end(), std::pair<int64_t, float>{first, -INFINITY});
      for (; it != in.items.end() && it->first < first + w.width; ++it)
        items[static_cast<size_t>(r * w.width + (it->first - first))] += it->second;
    }
  }
  return further;
}

}  // namespace

TallyChannels tally_channels(const AreaInputs& in) {
  TallyChannels c;
  c.count = static_cast<int>(in.evidence.size());
  const auto next = [&](bool present, int& slot) {
    if (present) slot = c.count++;
  };
  next(in.dem != nullptr, c.slope);
  next(in.sweep, c.sd);
  next(in.sweep, c.p95);
  next(in.access, c.access);
  next(in.impact != nullptr, c.impact);
  next(in.cost != nullptr, c.cost);
  next(in.truth, c.items);
  return c;
}

std::vector<kernels::AreaTally> tally_areas(const std::vector<const OGRGeometry*>& shapes, const AreaInputs& in,
                                            const Control& control) {
  const Grid& grid = in.reader.grid();
  const TallyChannels channels = tally_channels(in);
  std::vector<kernels::Polygon> polygons;
  std::vector<Job> jobs;
  for (size_t a = 0; a < shapes.size(); ++a) {
    polygons.push_back(as_kernel_polygon(*shapes[a]));
    const kernels::Window w = envelope_window(*shapes[a], grid);
    for (int64_t r = 0; r < w.height; r += band_rows(w.width))
      jobs.push_back({a, {w.col0, w.row0 + r, w.width, std::min(band_rows(w.width), w.height - r)}});
  }
  std::vector<kernels::AreaTally> band_tallies(jobs.size(), kernels::AreaTally(static_cast<size_t>(channels.count)));
  tbb::enumerable_thread_specific<std::map<std::string, DatasetPtr>> handles;
  for_each_job(static_cast<int64_t>(jobs.size()), control.loop("minerisk areas, figures"), [&](int64_t j) {
    const Job& job = jobs[static_cast<size_t>(j)];
    const kernels::Window& w = job.band;
    std::vector<uint8_t> covered(static_cast<size_t>(w.cells()), 0);
    bool any = false;
    kernels::for_each_covered_cell(polygons[job.area], w, grid.frame, [&](int64_t i) {
      covered[static_cast<size_t>(i)] = 1;
      any = true;
    });
    if (!any) return;
    auto& mine = handles.local();
    // The probability is in memory already (areas.cpp reads it whole to delineate).
    std::vector<float> probability(static_cast<size_t>(w.cells()));
    for (int64_t r = 0; r < w.height; ++r) {
      const auto row = in.probability.subspan(static_cast<size_t>((w.row0 + r) * grid.width() + w.col0),
                                              static_cast<size_t>(w.width));
      std::copy(row.begin(), row.end(), probability.begin() + r * w.width);
    }
    const std::vector<std::vector<float>> further = read_further(in, channels, w, mine);
    const std::vector<std::span<const float>> spans(further.begin(), further.end());
    band_tallies[static_cast<size_t>(j)] = kernels::tally_area(covered, probability, spans, w, grid.frame);
  });
  std::vector<kernels::AreaTally> tallies(shapes.size(), kernels::AreaTally(static_cast<size_t>(channels.count)));
  for (size_t j = 0; j < jobs.size(); ++j) tallies[jobs[j].area].merge(band_tallies[j]);  // band order
  return tallies;
}

void mark_coverage(const std::vector<const OGRGeometry*>& shapes, const Grid& grid, std::vector<uint8_t>& coverage,
                   const Control& control) {
  std::vector<kernels::Polygon> polygons;
  for (const OGRGeometry* s : shapes) polygons.push_back(as_kernel_polygon(*s));
  std::vector<kernels::Window> windows;
  for (const OGRGeometry* s : shapes) windows.push_back(envelope_window(*s, grid));
  for_each_job(static_cast<int64_t>(shapes.size()), control.loop("minerisk areas, coverage"), [&](int64_t a) {
    const kernels::Window& w = windows[static_cast<size_t>(a)];
    kernels::for_each_covered_cell(polygons[static_cast<size_t>(a)], w, grid.frame, [&](int64_t i) {
      const int64_t row = w.row0 + i / w.width, col = w.col0 + i % w.width;
      // Shapes may overlap (given polygons): counted atomically, saturating at 255.
      std::atomic_ref<uint8_t> count(coverage[static_cast<size_t>(row * grid.width() + col)]);
      uint8_t seen = count.load(std::memory_order_relaxed);
      while (seen < 255 && !count.compare_exchange_weak(seen, static_cast<uint8_t>(seen + 1))) {
      }
    });
  });
}

void fill_figures(const kernels::AreaTally& t, const TallyChannels& c, const AreaInputs& in, AreaFigures& f) {
  f.cells = t.cells;
  f.area_ha = t.area_m2 / 1e4;
  f.expected_ha = t.expected_m2 / 1e4;
  f.density = t.area_m2 > 0 ? t.expected_m2 / t.area_m2 : NAN;
  f.mean_p = f.density;  // the area-weighted mean probability is the expected share
  f.max_p = t.cells > 0 ? t.max_p : NAN;
  f.layer_means.clear();
  double best = -INFINITY;
  for (size_t k = 0; k < in.evidence.size(); ++k) {
    f.layer_means.push_back(t.mean(k));
    if (t.mean(k) > best) best = t.mean(k), f.dominant_layer = in.evidence[k];
  }
  const auto at = [](int slot) { return static_cast<size_t>(slot); };
  if (c.slope >= 0) f.mean_slope = t.mean(at(c.slope));
  if (c.sd >= 0) f.mean_sd = t.mean(at(c.sd));
  if (c.p95 >= 0) f.mean_p95 = t.mean(at(c.p95));
  if (c.access >= 0) f.access_m = std::isfinite(t.minimum[at(c.access)]) ? t.minimum[at(c.access)] : NAN;
  if (c.impact >= 0) f.impact = t.mean(at(c.impact));
  // Cost per hectare x hectares; an area the raster leaves partly uncosted has no cost (NaN), so
  // that it is refused rather than made to look cheap.
  if (c.cost >= 0) f.cost = t.area[at(c.cost)] == t.area_m2 ? t.sum[at(c.cost)] / 1e4 : NAN;
  if (c.items >= 0) f.true_items = t.total[at(c.items)];
}

}  // namespace minerisk::ops
