#pragma once
// The words on a map: title, subtitle, the panel's lines, the provenance and the disclaimer,
// from the grid's own attributes (title, date_created, run_id, inputs with their SHA-256).
#include <filesystem>
#include <string>

#include "../render/map_composer.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/ops/map.hpp"

namespace minerisk::ops {

/// The disclaimer every map carries unless --disclaimer replaces it.
extern const char* const kDefaultDisclaimer;

render::MapTexts map_texts(const GridFileReader& reader, const std::filesystem::path& grid_file, const MapOptions& options,
                           const render::MapView& view, const std::filesystem::path& dem);

/// What a grid's variable is, in words: "Probability of contamination by mines and ...".
std::string variable_description(const std::string& variable);

/// "2026-12-04 19:32 UTC" from an ISO 8601 time ("2026-12-04T19:32:01Z"); the text as it is
/// when it is not one.
std::string readable_time(const std::string& iso);

}  // namespace minerisk::ops
