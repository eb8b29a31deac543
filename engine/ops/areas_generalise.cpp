#include "areas_generalise.hpp"

#include <algorithm>
#include <numeric>

#include <tbb/parallel_for.h>

#include "areas_delineate.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk::ops {
namespace {

constexpr int kQuadrantSegments = 8;  // vertices per quarter circle of a buffer's round joins

GeometryPtr checked(OGRGeometry* g, const char* what) {
  if (!g) throw std::runtime_error(std::string("areas: GEOS could not ") + what + ": " + last_gdal_error());
  return GeometryPtr(g);
}

GeometryPtr generalise_one(const OGRGeometry& polygon, double cell, double smooth) {
  GeometryPtr g(polygon.clone());
  // 8-connected regions touch themselves at cell corners, which GEOS calls invalid.
  if (!g->IsValid()) g = checked(g->MakeValid(), "repair a region");
  g = checked(g->SimplifyPreserveTopology(cell), "simplify a region");
  if (smooth > 0) {
    // A closing by the distance (notches and gaps narrower than twice it filled), then an opening
    // by half of it (spurs and strips narrower than the distance cut): the opening takes hazard
    // land, so it is kept small, and what it takes is reported with the rest (areas.cpp).
    for (const double d : {smooth, -1.5 * smooth, 0.5 * smooth})
      g = checked(g->Buffer(d, kQuadrantSegments), "buffer a region");
    // The round joins' arcs, thinned to what a cell can show.
    g = checked(g->SimplifyPreserveTopology(cell / 4), "simplify a region");
  }
  if (!g->IsEmpty() && !g->IsValid()) g = checked(g->MakeValid(), "repair a region");
  return g;
}

// Union-find over the pieces whose envelopes meet and whose shapes touch or overlap.
class Clusters {
 public:
  explicit Clusters(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), size_t{0}); }
  size_t root(size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void join(size_t a, size_t b) {
    a = root(a), b = root(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);  // the first piece names the cluster
  }

 private:
  std::vector<size_t> parent_;
};

std::vector<GeometryPtr> merge_touching(std::vector<GeometryPtr> pieces) {
  const size_t n = pieces.size();
  std::vector<OGREnvelope> envelopes(n);
  for (size_t i = 0; i < n; ++i) pieces[i]->getEnvelope(&envelopes[i]);
  std::vector<size_t> by_x(n);
  std::iota(by_x.begin(), by_x.end(), size_t{0});
  std::sort(by_x.begin(), by_x.end(), [&](size_t a, size_t b) { return envelopes[a].MinX < envelopes[b].MinX; });
  Clusters clusters(n);
  // A sweep along x: only pieces whose envelopes overlap in x are compared.
  for (size_t k = 0; k < n; ++k)
    for (size_t m = k + 1; m < n && envelopes[by_x[m]].MinX <= envelopes[by_x[k]].MaxX; ++m) {
      const size_t a = by_x[k], b = by_x[m];
      if (envelopes[a].Intersects(envelopes[b]) && pieces[a]->Intersects(pieces[b].get())) clusters.join(a, b);
    }
  std::vector<std::vector<size_t>> members(n);
  for (size_t i = 0; i < n; ++i) members[clusters.root(i)].push_back(i);
  std::vector<GeometryPtr> merged;
  for (size_t i = 0; i < n; ++i) {
    if (members[i].empty()) continue;
    if (members[i].size() == 1) {
      merged.push_back(std::move(pieces[i]));
      continue;
    }
    OGRMultiPolygon together;
    for (size_t m : members[i]) together.addGeometry(pieces[m].get());
    GeometryPtr u = checked(together.UnionCascaded(), "merge regions");
    for (auto& p : polygon_parts(u.get())) merged.push_back(std::move(p));
  }
  return merged;
}

}  // namespace

std::vector<std::vector<GeometryPtr>> generalise_polygons(std::vector<std::vector<GeometryPtr>> sets,
                                                          const Grid& grid, double smooth, const Control& control) {
  const double cell = std::min(grid.frame.cell_width(), grid.frame.cell_height());
  std::vector<std::pair<size_t, size_t>> jobs;  // (set, polygon): one loop over all sets keeps both cores busy
  for (size_t s = 0; s < sets.size(); ++s)
    for (size_t i = 0; i < sets[s].size(); ++i) jobs.push_back({s, i});
  for_each_job(static_cast<int64_t>(jobs.size()), control.loop("minerisk areas, generalising"), [&](int64_t j) {
    auto& [s, i] = jobs[static_cast<size_t>(j)];
    sets[s][i] = generalise_one(*sets[s][i], cell, smooth);
  });
  std::vector<std::vector<GeometryPtr>> out;
  for (auto& set : sets) {
    std::vector<GeometryPtr> pieces;
    for (auto& g : set)
      for (auto& p : polygon_parts(g.get())) pieces.push_back(std::move(p));
    out.push_back(merge_touching(std::move(pieces)));
  }
  return out;
}

void split_hazard(const std::vector<GeometryPtr>& hazard, const std::vector<GeometryPtr>& high, const Grid& grid,
                  double min_area_ha, std::vector<GeometryPtr>& clearance, std::vector<GeometryPtr>& survey,
                  const Control& control) {
  std::vector<OGREnvelope> high_envelopes(high.size());
  for (size_t j = 0; j < high.size(); ++j) high[j]->getEnvelope(&high_envelopes[j]);
  std::vector<std::vector<GeometryPtr>> clear_of(hazard.size()), survey_of(hazard.size());
  for_each_job(static_cast<int64_t>(hazard.size()), control.loop("minerisk areas, classes"), [&](int64_t k) {
    const OGRGeometry& h = *hazard[static_cast<size_t>(k)];
    OGREnvelope e;
    h.getEnvelope(&e);
    auto& mine = clear_of[static_cast<size_t>(k)];
    // The high polygons are disjoint, so their pieces within h are too.
    for (size_t j = 0; j < high.size(); ++j)
      if (high_envelopes[j].Intersects(e) && high[j]->Intersects(&h))
        for (auto& p : polygon_parts(checked(high[j]->Intersection(&h), "intersect regions").get(), grid, min_area_ha))
          mine.push_back(std::move(p));
    OGRMultiPolygon cleared;
    for (const auto& p : mine) cleared.addGeometry(p.get());
    GeometryPtr rest = mine.empty() ? GeometryPtr(h.clone()) : checked(h.Difference(&cleared), "subtract regions");
    for (auto& piece : polygon_parts(rest.get())) {
      if (shape_hectares(*piece, grid) >= min_area_ha) {
        survey_of[static_cast<size_t>(k)].push_back(std::move(piece));
        continue;
      }
      // A survey sliver under the unit (a margin cut up by the clearance) joins the clearance
      // piece it touches, so no hazard land falls to the rest here.
      for (auto& c : mine)
        if (c->Intersects(piece.get())) {
          GeometryPtr joined = checked(c->Union(piece.get()), "join a sliver");
          if (wkbFlatten(joined->getGeometryType()) == wkbPolygon) c = std::move(joined);
          break;
        }
    }
  });
  for (auto& pieces : clear_of)
    for (auto& p : pieces) clearance.push_back(std::move(p));
  for (auto& pieces : survey_of)
    for (auto& p : pieces) survey.push_back(std::move(p));
}

}  // namespace minerisk::ops
