#include "minerisk/engine/run_file_writer.hpp"

#include <algorithm>
#include <stdexcept>

#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/update_record.hpp"

namespace minerisk {

std::filesystem::path evidence_file_for(const std::filesystem::path& grid_file) {
  std::filesystem::path evidence = grid_file;
  evidence.replace_filename(grid_file.stem().string() + "_evidence" + grid_file.extension().string());
  return evidence;
}

EvidenceStorage evidence_storage_named(const std::string& name, const std::string& option) {
  // Listed in the order of --help's words, not sorted as a map's keys would be.
  const std::string storage = choice_in_any_case(name, {"packed", "float32", "none"}, option);
  return storage == "packed" ? EvidenceStorage::packed
         : storage == "float32" ? EvidenceStorage::float32
                                : EvidenceStorage::none;
}

namespace {
OutputMetadata evidence_metadata(OutputMetadata meta) {
  meta.title = meta.title.empty() ? "evidence layers" : meta.title + ": evidence layers";
  return meta;
}

std::string evidence_description(bool packed) {
  return std::string("each evidence layer's contribution to the log-odds of contamination; with the "
                     "intercept they add up to logit(probability) of the grid file beside this one") +
         (packed ? "; stored packed (int16 times scale_factor), to within half a scale_factor" : "");
}
}  // namespace

RunFileWriter::RunFileWriter(const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                             const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                             const std::vector<std::string>& evidence_names,
                             const std::vector<std::string>& evidence_descriptions, const OutputMetadata& metadata,
                             EvidenceStorage storage)
    : grid_(grid_path, grid, tile_size, metadata), evidence_count_(evidence_names.size()) {
  if (evidence_descriptions.size() != evidence_names.size())
    throw std::invalid_argument("RunFileWriter: " + std::to_string(evidence_names.size()) + " evidence names but " +
                                std::to_string(evidence_descriptions.size()) + " descriptions");
  probability_ = grid_.add_variable("probability", "probability of contamination by mines or unexploded ordnance", "1");
  grid_.set_valid_range(probability_, 0.0f, 1.0f);
  if (storage == EvidenceStorage::none) return;
  evidence_ = std::make_unique<GridFileWriter>(evidence_path, grid, tile_size, evidence_metadata(metadata));
  grid_.set_attribute("evidence_file", evidence_name);
  const bool packed = storage == EvidenceStorage::packed;
  evidence_->set_attribute("description", evidence_description(packed));
  names_ = evidence_names;
  for (size_t k = 0; k < evidence_names.size(); ++k)
    layers_.push_back(evidence_->add_packed_variable(evidence_names[k], evidence_descriptions[k], "1",
                                                     packed ? kEvidenceStep : 0.0));
}

std::string RunFileWriter::patch_refusal(const std::filesystem::path& grid_path,
                                         const std::filesystem::path& evidence_path, const std::string& evidence_name,
                                         const Grid& grid, int64_t tile_size,
                                         const std::vector<std::string>& evidence_names,
                                         const OutputMetadata& metadata, EvidenceStorage storage) {
  if (storage == EvidenceStorage::none)
    return GridFileWriter::patch_refusal(grid_path, grid, tile_size, metadata, {}, {{"probability", 0.0}},
                                         {UpdateRecord::kGroup});
  const bool packed = storage == EvidenceStorage::packed;
  std::vector<std::pair<std::string, double>> layers;
  for (const std::string& name : evidence_names) layers.emplace_back(name, packed ? kEvidenceStep : 0.0);
  std::string why = GridFileWriter::patch_refusal(grid_path, grid, tile_size, metadata,
                                                  {{"evidence_file", evidence_name}}, {{"probability", 0.0}},
                                                  {UpdateRecord::kGroup});
  if (why.empty())
    why = GridFileWriter::patch_refusal(evidence_path, grid, tile_size, evidence_metadata(metadata),
                                        {{"description", evidence_description(packed)}}, layers, {});
  return why;
}

RunFileWriter::RunFileWriter(Reopen, const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                             const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                             const std::vector<std::string>& evidence_names, const OutputMetadata& metadata,
                             EvidenceStorage storage)
    : grid_(GridFileWriter::Reopen{}, grid_path, grid, tile_size, metadata),
      evidence_count_(evidence_names.size()) {
  patching_ = true;
  probability_ = grid_.open_variable("probability", 0.0);
  if (storage == EvidenceStorage::none) return;
  evidence_ = std::make_unique<GridFileWriter>(GridFileWriter::Reopen{}, evidence_path, grid, tile_size,
                                               evidence_metadata(metadata));
  grid_.set_attribute("evidence_file", evidence_name);
  const bool packed = storage == EvidenceStorage::packed;
  evidence_->set_attribute("description", evidence_description(packed));
  names_ = evidence_names;
  for (const std::string& name : evidence_names) layers_.push_back(evidence_->open_variable(name, packed ? kEvidenceStep : 0.0));
}

void RunFileWriter::write_tile(const kernels::Window& window, std::span<const float> probability,
                               const std::vector<std::vector<float>>& evidence) {
  check_layers(evidence.size());
  grid_.write(probability_, window, probability);
  if (evidence_)
    for (size_t k = 0; k < evidence.size(); ++k) evidence_->write(layers_[k], window, evidence[k]);
}

RunFileWriter::EncodedTile RunFileWriter::encode_tile(const kernels::Window& window, std::span<const float> probability,
                                                      const std::vector<std::vector<float>>& evidence,
                                                      const std::vector<std::vector<std::byte>>* stored_evidence,
                                                      std::span<const uint8_t> keep_stored) const {
  check_layers(evidence.size());
  EncodedTile tile{grid_.encode(probability_, window, probability), {}};
  if (!evidence_) return tile;
  if (stored_evidence && stored_evidence->size() != layers_.size())
    throw std::invalid_argument("RunFileWriter: " + std::to_string(stored_evidence->size()) +
                                " stored evidence chunks for " + std::to_string(layers_.size()) + " layers");
  if (!keep_stored.empty() && (!stored_evidence || keep_stored.size() != layers_.size()))
    throw std::invalid_argument("RunFileWriter: layers to keep as stored without their stored chunks");
  for (size_t k = 0; k < evidence.size(); ++k) {
    if (!keep_stored.empty() && keep_stored[k]) {  // known to be unchanged: kept as stored
      tile.evidence.push_back(evidence_->stored(layers_[k], window, (*stored_evidence)[k]));
      continue;
    }
    tile.evidence.push_back(evidence_->encode(layers_[k], window, evidence[k],
                                              stored_evidence ? std::span((*stored_evidence)[k]) : std::span<const std::byte>{}));
  }
  return tile;
}

bool RunFileWriter::evidence_stored_alike(size_t layer, std::span<const float> a, std::span<const float> b) const {
  return evidence_->stored_alike(layers_.at(layer), a, b);
}

RunFileWriter::TileValues RunFileWriter::decode_tile(const kernels::Window& window,
                                                     const std::vector<std::vector<std::byte>>& chunks,
                                                     std::span<const uint8_t> layers) const {
  if (chunks.size() != 1 + layers_.size())
    throw std::invalid_argument("RunFileWriter: " + std::to_string(chunks.size()) + " stored chunks for " +
                                std::to_string(1 + layers_.size()));
  TileValues values{grid_.decode(probability_, window, chunks.front()),
                    std::vector<std::vector<float>>(evidence_count_)};
  if (!layers.empty() && layers.size() != evidence_count_)
    throw std::invalid_argument("RunFileWriter: " + std::to_string(layers.size()) + " layers to decode for " +
                                std::to_string(evidence_count_));
  for (size_t k = 0; k < layers_.size(); ++k)
    if (layers.empty() || layers[k]) values.evidence[k] = evidence_->decode(layers_[k], window, chunks[1 + k]);
  return values;
}

RunFileWriter::EncodedTile RunFileWriter::stored_tile(const kernels::Window& window, std::vector<std::byte> probability,
                                                      std::vector<std::vector<std::byte>> evidence) const {
  if (evidence.size() != layers_.size())
    throw std::invalid_argument("RunFileWriter: a stored tile of " + std::to_string(evidence.size()) +
                                " evidence layers for " + std::to_string(layers_.size()));
  EncodedTile tile{grid_.stored(probability_, window, std::move(probability)), {}};
  for (size_t k = 0; k < evidence.size(); ++k) tile.evidence.push_back(evidence_->stored(layers_[k], window, std::move(evidence[k])));
  return tile;
}

RunFileWriter::EncodedTile RunFileWriter::detached_tile(const kernels::Window& window, DetachedTile tile) const {
  if (tile.chunks.size() != 1 + layers_.size() || tile.clipped.size() != tile.chunks.size())
    throw std::invalid_argument("RunFileWriter: a detached tile of " + std::to_string(tile.chunks.size()) +
                                " chunks for " + std::to_string(1 + layers_.size()));
  std::vector<std::byte> probability = std::move(tile.chunks.front());
  tile.chunks.erase(tile.chunks.begin());
  EncodedTile out = stored_tile(window, std::move(probability), std::move(tile.chunks));
  // The packed layers' clipped values count as if encoded here (the note after the run).
  for (size_t k = 0; k < out.evidence.size(); ++k) out.evidence[k].clipped = tile.clipped[1 + k];
  return out;
}

RunTileEncoding::RunTileEncoding(int64_t width, int64_t height, int64_t tile_size, EvidenceStorage storage)
    : chunk_rows_(std::min(tile_size, height)), chunk_cols_(std::min(tile_size, width)), storage_(storage) {}

DetachedTile RunTileEncoding::encode(const kernels::Window& window, std::span<const float> probability,
                                     const std::vector<std::vector<float>>& evidence) const {
  DetachedTile out;
  auto add = [&](std::span<const float> values, double packed_scale) {
    int64_t clipped = 0;
    out.chunks.push_back(
        GridFileWriter::encode_detached(values, window, chunk_rows_, chunk_cols_, packed_scale, &clipped));
    out.clipped.push_back(clipped);
  };
  add(probability, 0.0);
  if (storage_ != EvidenceStorage::none)
    for (const auto& layer : evidence) add(layer, storage_ == EvidenceStorage::packed ? kEvidenceStep : 0.0);
  return out;
}

void RunFileWriter::write_tile(const EncodedTile& tile) {
  if (tile.evidence.size() != layers_.size())
    throw std::invalid_argument("RunFileWriter: an encoded tile of " + std::to_string(tile.evidence.size()) +
                                " evidence layers for " + std::to_string(layers_.size()));
  grid_.write(tile.probability);
  for (const GridFileWriter::EncodedChunk& chunk : tile.evidence) evidence_->write(chunk);
}

std::vector<std::pair<std::string, int64_t>> RunFileWriter::clipped_layers() const {
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t k = 0; k < layers_.size(); ++k)
    if (const int64_t n = evidence_->clipped_values(layers_[k]); n > 0) out.emplace_back(names_[k], n);
  return out;
}

void RunFileWriter::check_layers(size_t count) const {
  if (count != evidence_count_)
    throw std::invalid_argument("RunFileWriter: " + std::to_string(count) + " evidence arrays for " +
                                std::to_string(evidence_count_) + " layers");
}

void RunFileWriter::close() {
  // Both, even when the first fails; the first failure is reported.
  try {
    if (evidence_) evidence_->close();
  } catch (...) {
    try {
      grid_.close();
    } catch (...) {
    }
    throw;
  }
  grid_.close();
}

}  // namespace minerisk
