#pragma once
// The map's vector layers, read with OGR, brought into the grid's CRS and drawn over the
// probability inside the map frame: the scenario's front lines, finds, cleared land and
// records, roads and settlements when given, and the hazard areas of `minerisk areas` with
// their ranks. Each kind has one symbol, the same on the map and in the legend.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "map_legend.hpp"
#include "map_view.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk::render {

enum class ContextKind { front_lines, finds, cleared, records, roads, settlements };

struct ContextLayer {
  ContextKind kind;
  std::string label;  // in the legend: "Front lines", "Finds"
  VectorInputSpec spec;
};

/// Draws the layer's features that fall in the view; returns how many. A UserError when OGR
/// cannot read the layer (the caller decides whether a missing context layer is fatal).
size_t draw_context_layer(const Drawing& page, const MapView& view, const ContextLayer& layer, double font_size);

/// Opens the layer and checks it is there (and its filter) and holds points (`points`) or
/// not: a UserError naming `role` otherwise. For the layers named on the command line, checked before any work.
void check_context_layer(const VectorInputSpec& spec, const std::string& role, bool points);

/// The legend's symbol of a kind of context layer.
LegendSymbol context_symbol(ContextKind kind, const std::string& label);

/// Draws the hazard areas of a GeoPackage written by `minerisk areas` (layer "areas", fields
/// "class" and "rank"): outlines by class, and the ranks of the highest-ranked areas large
/// enough to carry a label. Returns how many areas were drawn, and adds their classes to
/// `classes`. UserError when the file has no such layer.
size_t draw_hazard_areas(const Drawing& page, const MapView& view, const std::filesystem::path& areas, double font_size,
                         std::set<std::string>& classes);

/// The legend's symbols of the hazard areas: clearance and technical survey, and the dotted
/// outline of the other classes (cancellation, no data) when `classes` holds one.
std::vector<LegendSymbol> hazard_area_symbols(const std::set<std::string>& classes);

}  // namespace minerisk::render
