#include "staging.hpp"

#include "minerisk/engine/output_set.hpp"

namespace minerisk::ops {

std::vector<std::filesystem::path> scenario_files(const Scenario& s) {
  std::vector<std::filesystem::path> files = {s.file, s.dem, s.fit.labels, s.fit.zones};
  for (const auto* section : {&s.front_lines, &s.finds, &s.cleared, &s.records})
    if (*section) files.push_back((*section)->path);
  for (const EvidenceSpec& e : s.evidence) {
    files.push_back(e.raster);
    if (e.vector) files.push_back(e.vector->path);
  }
  return files;  // empty paths (a section not given) are skipped by OutputSet
}

std::vector<std::filesystem::path> paths_of(const std::vector<InputFile>& files) {
  std::vector<std::filesystem::path> paths;
  for (const InputFile& f : files) paths.push_back(f.path);
  return paths;
}

uint64_t grid_file_lower_bound(int64_t width, int64_t height, int64_t tile_size, uint64_t variables,
                               uint64_t text_bytes, uint64_t packed_variables) {
  const auto w = static_cast<uint64_t>(width), h = static_cast<uint64_t>(height);
  const auto t = static_cast<uint64_t>(tile_size);
  const uint64_t tiles = ((w + t - 1) / t) * ((h + t - 1) / t);
  constexpr uint64_t kZlibStream = 8;  // two header bytes, an empty final block, the Adler-32
  return 8 * (w + h) + text_bytes + variables * (tiles * kZlibStream + deflate_lower_bound(w * h * 4)) +
         packed_variables * (tiles * kZlibStream + deflate_lower_bound(w * h * 2));  // int16
}

}  // namespace minerisk::ops
