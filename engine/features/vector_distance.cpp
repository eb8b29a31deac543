// feature = "vector_distance": metres to the nearest feature of any vector layer (roads,
// settlements, rivers): points, lines and polygon boundaries; 0 inside polygons. `signed` as
// for front lines.
#include "fingerprint_inputs.hpp"
#include "feature_kinds.hpp"
#include "held_out_labels.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/ogr_vrt_source.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::features {
namespace {

class VectorDistance final : public Feature {
 public:
  VectorDistance(Geometries geometries, bool signed_distance, bool from_labels)
      : g_(std::move(geometries)), signed_(signed_distance), from_labels_(from_labels) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    std::shared_ptr<const Geometries> kept;  // fit's cross-fitting: without the held-out labels
    if (from_labels_ && in.held_out) kept = in.held_out->kept(g_);
    const Geometries& g = kept ? *kept : g_;
    kernels::line_distance_metres(g.segments, in.tile, in.grid.frame, out, INFINITY, signed_);
    for (const kernels::Polygon& p : g.polygons)
      kernels::for_each_covered_cell(p, in.tile, in.grid.frame, [&](int64_t i) { out[static_cast<size_t>(i)] = 0.0f; });
  }
  double reach_metres() const override { return INFINITY; }
  std::vector<std::string> reads() const override { return {"layer"}; }
  // No cap on the distance: every feature of the layer counts, the same digest for every tile.
  void fingerprint(const kernels::Window&, const Grid&, Sha256& out) const override {
    out.add_digest(all_features_.get([&] {
      Sha256 h;
      hash_segments(g_.segments, h);
      PolygonFingerprints(std::make_shared<const std::vector<kernels::Polygon>>(g_.polygons)).hash(ReachBox{.everything = true}, h);
      return h.finish();
    }));
  }

 private:
  Geometries g_;
  bool signed_;
  bool from_labels_;  // read from the finds' or the cleared land's file
  DigestOnce all_features_;
};

// A distance to the finds or to cleared land (their layer of their file, whatever its filter) is
// built from the labels. Another layer of the same file (front lines beside the finds in one
// GeoPackage) is not. An empty layer name is the file's only layer, so it matches any. Layer
// names are matched without case, as OGR finds them (GeoPackage: "FINDS" opens the finds): a
// layer spelled "FINDS" was not cross-fitted, and every training find saw itself at 0 m.
bool reads_label_file(const Scenario& s, const EvidenceSpec& e) {
  if (!e.vector) return false;
  // The layers themselves, and those behind them on either side when one is an OGR VRT (a VRT
  // over the finds, or finds read through one).
  for (const auto& labels : {s.finds, s.cleared})
    if (labels)
      for (const VectorInputSpec& l : layer_and_layers_behind(*labels))
        for (const VectorInputSpec& v : layer_and_layers_behind(*e.vector))
          if (same_local_file(l.path.string(), v.path.string()) &&
              (l.layer.empty() || v.layer.empty() || EQUAL(l.layer.c_str(), v.layer.c_str())))
            return true;
  return false;
}

}  // namespace

FeatureKind vector_distance_kind() {
  FeatureKind k;
  k.name = "vector_distance";
  k.description = "metres to the nearest feature of a vector layer";
  k.keys = {"path", "layer", "where", "signed"};
  k.required_keys = {"path"};
  k.built_from_labels = reads_label_file;
  k.make = [](const LayerContext& c) {
    const std::string role = "model.evidence." + c.spec.name;
    auto f = std::make_unique<VectorDistance>(load_geometries(*c.spec.vector, c.grid, role), c.spec.signed_distance,
                                              reads_label_file(c.scenario, c.spec));
    c.add_input(role, c.spec.vector->path);
    return f;
  };
  return k;
}

}  // namespace minerisk::features
