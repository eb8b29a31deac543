#include "clearance.hpp"

#include "fingerprint_inputs.hpp"

namespace minerisk::features {

void Clearance::pod(const TileInput& in, std::span<float> out) const {
  const auto& pod = in.memo.get<std::vector<float>>("cleared:pod", [&] {
    std::vector<float> v(in.cells(), 0.0f);
    kernels::combined_coverage_probability(*cleared_, in.tile, in.grid.frame, v);
    return v;
  });
  std::copy(pod.begin(), pod.end(), out.begin());
}

void Clearance::fingerprint(const kernels::Window& tile, const Grid& grid, Sha256& out) const {
  fingerprints_.hash(reach_box(grid.frame, tile, reach_metres()), out);
}

void Clearance::fingerprint_each(std::span<const kernels::Window> windows, const Grid& grid,
                                 std::span<Sha256> outs) const {
  fingerprints_.hash_each(reach_boxes(grid.frame, windows, reach_metres()), outs);
}

void Clearance::pod(const TileInput& in, const InputDraw& draw, std::span<float> out) const {
  if (!draw.changes_pod()) return pod(in, out);
  const auto& index = in.memo.get<kernels::CoverageIndex>(
      "cleared:index", [&] { return kernels::CoverageIndex(*cleared_, in.tile, in.grid.frame); });
  const auto& cleared = *cleared_;
  if (!draw.clearance_pod.empty())
    index.combine([&](uint32_t p) { return static_cast<double>(draw.clearance_pod[static_cast<size_t>(cleared[p].record)]); }, out);
  else
    index.combine([&](uint32_t) { return draw.pod; }, out);
}

}  // namespace minerisk::features
