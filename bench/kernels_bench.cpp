// Google Benchmark for the kernels, on in-memory rasters (no file I/O), each at 1 and 2 threads.
// The memcpy baseline in the same program gives the memory bandwidth the streaming kernels are
// compared with. Run: build/bench/kernels_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/distance_transform.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"
#include "minerisk/kernels/terrain.hpp"
#include "minerisk/kernels/tile_plan.hpp"

using namespace minerisk::kernels;

namespace {

constexpr int64_t kSide = 4096;  // 16.8 million cells, 64 MiB per float layer
constexpr int64_t kTile = 512;

GridFrame bench_frame() {
  GridFrame f;
  f.geotransform = {600000.0, 10.0, 0.0, 4500000.0, 0.0, -10.0};
  f.width = f.height = kSide;
  return f;
}

// A rough synthetic DEM: sums of sinusoids plus noise, deterministic.
const std::vector<float>& dem() {
  static const std::vector<float> values = [] {
    std::vector<float> v(static_cast<size_t>(kSide * kSide));
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0.0f, 0.5f);
    for (int64_t r = 0; r < kSide; ++r)
      for (int64_t c = 0; c < kSide; ++c)
        v[static_cast<size_t>(r * kSide + c)] =
            800.0f + 200.0f * std::sin(0.003f * c) * std::cos(0.002f * r) + 30.0f * std::sin(0.05f * (c + r)) + noise(rng);
    return v;
  }();
  return values;
}

// The one tiler's squares (kSide is a multiple of kTile: every tile is kTile x kTile).
std::vector<Window> tiles() { return TilePlan(kSide, kSide, kTile).tiles(); }

// Runs `work(tile)` over all tiles in parallel with the benchmark's thread count.
template <class Work>
void over_tiles(benchmark::State& state, Work&& work) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  const std::vector<Window> all = tiles();
  for (auto _ : state) {
    tbb::parallel_for(size_t{0}, all.size(), [&](size_t i) { work(all[i]); });
  }
  state.SetItemsProcessed(state.iterations() * kSide * kSide);
}

// A window's DEM with a halo, as the pipeline reads it.
std::vector<float> dem_window(const Window& w) {
  std::vector<float> out(static_cast<size_t>(w.cells()), NAN);
  const auto& d = dem();
  for (int64_t r = 0; r < w.height; ++r) {
    const int64_t gr = w.row0 + r;
    if (gr < 0 || gr >= kSide) continue;
    for (int64_t c = 0; c < w.width; ++c) {
      const int64_t gc = w.col0 + c;
      if (gc >= 0 && gc < kSide) out[static_cast<size_t>(r * w.width + c)] = d[static_cast<size_t>(gr * kSide + gc)];
    }
  }
  return out;
}

void BM_Memcpy(benchmark::State& state) {
  // 512 MiB each way: well beyond the last-level cache (260 MiB on the reference machine), so
  // this measures memory, not cache, bandwidth.
  const size_t bytes = size_t{512} << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  const size_t chunks = 256, chunk = bytes / chunks;
  for (auto _ : state) {
    tbb::parallel_for(size_t{0}, chunks, [&](size_t i) { std::memcpy(dst.data() + i * chunk, src.data() + i * chunk, chunk); });
    benchmark::DoNotOptimize(dst.data());
  }
  // Bytes moved: each byte is read once and written once.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * bytes));
}

void BM_Terrain(benchmark::State& state, TerrainMeasure measure) {
  const GridFrame f = bench_frame();
  // Pre-read the halo windows so the benchmark times the kernel, not the copy.
  const std::vector<Window> all = tiles();
  std::vector<std::vector<float>> inputs;
  for (const Window& w : all) inputs.push_back(dem_window(w.grown(1)));
  std::vector<std::vector<float>> outputs(all.size(), std::vector<float>(kTile * kTile));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    tbb::parallel_for(size_t{0}, all.size(), [&](size_t i) {
      terrain(inputs[i], all[i], f, outputs[i], measure, {EdgeMode::extrapolate, false, false});
    });
  }
  state.SetItemsProcessed(state.iterations() * kSide * kSide);
}

void BM_DistanceTransform(benchmark::State& state) {
  const GridFrame f = bench_frame();
  std::vector<uint8_t> mask(static_cast<size_t>(kSide * kSide), 0);
  std::mt19937 rng(2);
  for (int i = 0; i < 20000; ++i) mask[rng() % mask.size()] = 1;
  for (int64_t c = 0; c < kSide; ++c) mask[static_cast<size_t>((kSide / 3 + c / 8) * kSide + c)] = 1;
  std::vector<float> distance(mask.size());
  std::vector<int64_t> nearest(mask.size());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  for (auto _ : state) euclidean_distance_transform(mask, f, distance, nearest);
  state.SetItemsProcessed(state.iterations() * kSide * kSide);
}

void BM_LineDistance(benchmark::State& state) {
  const GridFrame f = bench_frame();
  // Two long wiggly lines of 200 segments each across the grid.
  std::vector<Segment> segments;
  for (int line = 0; line < 2; ++line) {
    double x = 600000.0 + 10000.0 + line * 15000.0, y = 4500000.0;
    for (int k = 0; k < 200; ++k) {
      const double nx = x + 300.0 * std::sin(0.3 * k + line), ny = y - 41000.0 / 200.0;
      segments.push_back({x, y, nx, ny});
      x = nx, y = ny;
    }
  }
  std::vector<std::vector<float>> outputs(tiles().size(), std::vector<float>(kTile * kTile));
  const std::vector<Window> all = tiles();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  for (auto _ : state)
    tbb::parallel_for(size_t{0}, all.size(), [&](size_t i) { line_distance_metres(segments, all[i], f, outputs[i]); });
  state.SetItemsProcessed(state.iterations() * kSide * kSide);
}

void BM_PointDensity(benchmark::State& state) {
  const GridFrame f = bench_frame();
  // 55,000 finds over four times the area of Karabakh's density would be too many here: scale to
  // this grid's area (a quarter of 8192^2) keeping the same density: 13,750 points.
  std::mt19937 rng(3);
  std::normal_distribution<double> across(0.0, 300.0);
  std::uniform_real_distribution<double> along(0.0, 40960.0);
  std::vector<WeightedPoint> points;
  for (int i = 0; i < 13750; ++i) points.push_back({620000.0 + across(rng), 4500000.0 - along(rng), 1.0});
  std::vector<std::vector<float>> outputs(tiles().size(), std::vector<float>(kTile * kTile));
  const std::vector<Window> all = tiles();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  for (auto _ : state)
    tbb::parallel_for(size_t{0}, all.size(), [&](size_t i) { gaussian_density_per_km2(points, 250.0, all[i], f, outputs[i]); });
  state.SetItemsProcessed(state.iterations() * kSide * kSide);
}

void BM_Combine(benchmark::State& state) {
  // Four layers and a clearance POD, per cell: 20 bytes read, 24 bytes written
  // (probability and four contributions) -- 44 bytes per cell.
  const size_t n = static_cast<size_t>(kSide * kSide);
  std::vector<std::vector<float>> features(4, std::vector<float>(n));
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.0f, 1000.0f);
  for (auto& f : features)
    for (float& v : f) v = u(rng);
  std::vector<float> pod(n, 0.0f);
  for (size_t i = 0; i < n; i += 7) pod[i] = 0.8f;
  std::vector<std::vector<float>> contributions(4, std::vector<float>(n));
  std::vector<float> probability(n);
  Transform linear, decay, log1p, gauss;
  decay.kind = TransformKind::exp_decay, decay.length = 400;
  log1p.kind = TransformKind::log1p;
  gauss.kind = TransformKind::gaussian, gauss.centre = 500, gauss.width = 100;
  const Transform transforms[4] = {linear, decay, log1p, gauss};
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(0)));
  const size_t block = 1 << 16;
  for (auto _ : state) {
    tbb::parallel_for(size_t{0}, n / block, [&](size_t b) {
      const size_t lo = b * block;
      std::vector<EvidenceLayer> layers;
      for (int k = 0; k < 4; ++k)
        layers.push_back({std::span<const float>(features[k]).subspan(lo, block), transforms[k], 0.5,
                          std::span<float>(contributions[k]).subspan(lo, block)});
      combine_log_odds(-3.0, layers, std::span<const float>(pod).subspan(lo, block), {},
                       std::span<float>(probability).subspan(lo, block));
    });
    benchmark::DoNotOptimize(probability.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n) * 44);
}

}  // namespace

BENCHMARK(BM_Memcpy)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Terrain, slope, TerrainMeasure::slope_degrees)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Terrain, aspect, TerrainMeasure::aspect)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Terrain, ruggedness, TerrainMeasure::ruggedness)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DistanceTransform)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LineDistance)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PointDensity)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Combine)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
