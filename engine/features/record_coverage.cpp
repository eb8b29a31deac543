// feature = "record_coverage": 1 - prod(1 - reliability) over the minefield records covering a
// cell (line records buffered by [records] line_buffer). Sweeps may draw each record true or
// false with its reliability (uncertainty.record_validity), or set every record's reliability
// (records.reliability): per record, so the parts of a multi-part record stand or fall together.
#include "fingerprint_inputs.hpp"
#include "feature_kinds.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk::features {
namespace {

class RecordCoverage final : public Feature {
 public:
  explicit RecordCoverage(std::shared_ptr<const std::vector<kernels::Polygon>> records, InputDraw draw = {})
      : records_(std::move(records)), draw_(std::move(draw)), fingerprints_(records_) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    if (!draw_.changes_records()) {
      const auto& cover = in.memo.get<std::vector<float>>("records:coverage", [&] {
        std::vector<float> v(in.cells());
        kernels::combined_coverage_probability(*records_, in.tile, in.grid.frame, v);
        return v;
      });
      std::copy(cover.begin(), cover.end(), out.begin());
      return;
    }
    // A sweep's scenario: the cells each record covers are found once per tile for all of them.
    const auto& index = in.memo.get<kernels::CoverageIndex>(
        "records:index", [&] { return kernels::CoverageIndex(*records_, in.tile, in.grid.frame); });
    const auto& records = *records_;
    if (!draw_.record_valid.empty())
      index.combine([&](uint32_t p) { return draw_.record_valid[static_cast<size_t>(records[p].record)] ? 1.0 : 0.0; }, out);
    else
      index.combine([&](uint32_t) { return draw_.reliability; }, out);
  }
  double reach_metres() const override { return 0; }  // a record covers the cells inside it
  std::vector<std::string> reads() const override { return {"records"}; }
  void fingerprint(const kernels::Window& tile, const Grid& grid, Sha256& out) const override {
    fingerprints_.hash(reach_box(grid.frame, tile, 0.0), out);
  }
  void fingerprint_each(std::span<const kernels::Window> windows, const Grid& grid,
                        std::span<Sha256> outs) const override {
    fingerprints_.hash_each(reach_boxes(grid.frame, windows, 0.0), outs);
  }

  std::unique_ptr<Feature> drawn(const InputDraw& draw) const override {
    if (!draw.changes_records()) return nullptr;
    InputDraw records_only;  // what this layer needs of the draw, not the PODs or lines
    records_only.reliability = draw.reliability;
    records_only.record_valid = draw.record_valid;
    return std::make_unique<RecordCoverage>(records_, std::move(records_only));
  }

 private:
  std::shared_ptr<const std::vector<kernels::Polygon>> records_;
  InputDraw draw_;
  PolygonFingerprints fingerprints_;
};

}  // namespace

FeatureKind record_coverage_kind() {
  FeatureKind k;
  k.name = "record_coverage";
  k.description = "combined reliability of the minefield records covering a cell";
  k.sections = {"records"};
  k.perturbations = {"record_validity", "records.reliability"};
  k.classed = true;
  k.make = [](const LayerContext& c) { return std::make_unique<RecordCoverage>(c.shared->records); };
  return k;
}

}  // namespace minerisk::features
