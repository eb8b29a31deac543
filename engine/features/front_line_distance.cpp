// feature = "front_line_distance": metres to the nearest front line of [front_lines], or of the
// lines its own `where` selects; `signed` makes it positive left of a line's direction and
// negative right. Sweeps may displace the lines (uncertainty.front_line_sd): every layer of
// this kind, filtered or not, sees the same displaced lines.
#include "fingerprint_inputs.hpp"
#include "feature_kinds.hpp"
#include "line_displacement.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::features {
namespace {

class FrontLineDistance final : public Feature {
 public:
  FrontLineDistance(std::shared_ptr<const std::vector<kernels::Segment>> lines,
                    std::shared_ptr<const std::vector<int64_t>> keys, const Grid& grid, bool signed_distance,
                    bool shared)
      : lines_(std::move(lines)), keys_(std::move(keys)), grid_(grid), signed_(signed_distance), shared_(shared) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    if (!shared_ || signed_) {
      kernels::line_distance_metres(*lines_, in.tile, in.grid.frame, out, INFINITY, signed_);
      return;
    }
    // Unsigned distance to all of [front_lines]: one computation per tile for every such layer.
    const auto& d = in.memo.get<std::vector<float>>("front_lines:distance", [&] {
      std::vector<float> v(in.cells());
      kernels::line_distance_metres(*lines_, in.tile, in.grid.frame, v);
      return v;
    });
    std::copy(d.begin(), d.end(), out.begin());
  }

  double reach_metres() const override { return INFINITY; }  // no cap: any line can be the nearest
  std::vector<std::string> reads() const override { return {"front_lines"}; }
  // No cap on the distance: every line counts, the same digest for every tile.
  void fingerprint(const kernels::Window&, const Grid&, Sha256& out) const override {
    out.add_digest(all_lines_.get([&] {
      Sha256 h;
      hash_segments(*lines_, h);
      return h.finish();
    }));
  }

  std::unique_ptr<Feature> drawn(const InputDraw& draw) const override {
    if (!draw.displaces_lines()) return nullptr;
    auto make = [&] { return displace_lines(*lines_, *keys_, grid_, draw.line_sd, draw.line_wavelength, draw.line_seed); };
    auto moved = draw.displaced ? draw.displaced->get(lines_.get(), make)
                                : std::make_shared<const std::vector<kernels::Segment>>(make());
    // Displaced lines are this scenario's own: never shared through the tile's memo.
    return std::make_unique<FrontLineDistance>(std::move(moved), keys_, grid_, signed_, false);
  }

 private:
  std::shared_ptr<const std::vector<kernels::Segment>> lines_;
  std::shared_ptr<const std::vector<int64_t>> keys_;
  Grid grid_;
  bool signed_, shared_;
  DigestOnce all_lines_;
};

}  // namespace

FeatureKind front_line_distance_kind() {
  FeatureKind k;
  k.name = "front_line_distance";
  k.description = "metres to the nearest front line";
  k.keys = {"where", "signed"};
  k.sections = {"front_lines"};
  k.perturbations = {"front_line_sd"};
  k.make = [](const LayerContext& c) -> std::unique_ptr<Feature> {
    if (c.spec.where.empty())
      return std::make_unique<FrontLineDistance>(c.shared->front_lines, c.shared->front_line_keys, c.grid,
                                                 c.spec.signed_distance, true);
    VectorInputSpec spec = *c.scenario.front_lines;
    spec.where = c.spec.where;
    auto keys = std::make_shared<std::vector<int64_t>>();
    auto lines = std::make_shared<const std::vector<kernels::Segment>>(
        load_segments(spec, c.grid, "model.evidence." + c.spec.name, keys.get()));
    return std::make_unique<FrontLineDistance>(std::move(lines), std::move(keys), c.grid, c.spec.signed_distance, false);
  };
  return k;
}

}  // namespace minerisk::features
