#include "minerisk/engine/run_file_writer.hpp"

#include <stdexcept>

namespace minerisk {

std::filesystem::path evidence_file_for(const std::filesystem::path& grid_file) {
  std::filesystem::path evidence = grid_file;
  evidence.replace_filename(grid_file.stem().string() + "_evidence" + grid_file.extension().string());
  return evidence;
}

namespace {
OutputMetadata evidence_metadata(OutputMetadata meta) {
  meta.title = meta.title.empty() ? "evidence layers" : meta.title + ": evidence layers";
  return meta;
}
}  // namespace

RunFileWriter::RunFileWriter(const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                             const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                             const std::vector<std::string>& evidence_names,
                             const std::vector<std::string>& evidence_descriptions, const OutputMetadata& metadata)
    : grid_(grid_path, grid, tile_size, metadata), evidence_(evidence_path, grid, tile_size, evidence_metadata(metadata)) {
  if (evidence_descriptions.size() != evidence_names.size())
    throw std::invalid_argument("RunFileWriter: " + std::to_string(evidence_names.size()) + " evidence names but " +
                                std::to_string(evidence_descriptions.size()) + " descriptions");
  probability_ = grid_.add_variable("probability", "probability of contamination by mines or unexploded ordnance", "1");
  grid_.set_valid_range(probability_, 0.0f, 1.0f);
  grid_.set_attribute("evidence_file", evidence_name);
  evidence_.set_attribute("description",
                          "each evidence layer's contribution to the log-odds of contamination; with the intercept "
                          "they add up to logit(probability) of the grid file beside this one");
  for (size_t k = 0; k < evidence_names.size(); ++k)
    layers_.push_back(evidence_.add_variable(evidence_names[k], evidence_descriptions[k], "1"));
}

void RunFileWriter::write_tile(const kernels::Window& window, std::span<const float> probability,
                               const std::vector<std::vector<float>>& evidence) {
  if (evidence.size() != layers_.size())
    throw std::invalid_argument("RunFileWriter: " + std::to_string(evidence.size()) + " evidence arrays for " +
                                std::to_string(layers_.size()) + " layers");
  grid_.write(probability_, window, probability);
  for (size_t k = 0; k < evidence.size(); ++k) evidence_.write(layers_[k], window, evidence[k]);
}

void RunFileWriter::close() {
  // Both, even when the first fails; the first failure is reported.
  try {
    evidence_.close();
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
