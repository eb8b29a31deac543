#pragma once
// Reads back a grid written by `minerisk run`: its grid, its layers and its scenario.
#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"

namespace minerisk {

class GridFileReader {
 public:
  /// Opens the file; a UserError if it is missing or not a minerisk output.
  explicit GridFileReader(const std::filesystem::path& path);

  const Grid& grid() const { return grid_; }
  const std::vector<std::string>& evidence_names() const { return evidence_; }
  /// The resolved scenario the file was computed from (TOML).
  const std::string& scenario_toml() const { return scenario_; }
  /// A whole variable, row-major: "probability" or "evidence/<name>".
  std::vector<float> read(const std::string& variable) const;
  /// One cell of a variable.
  float read_cell(const std::string& variable, int64_t row, int64_t col) const;

 private:
  std::filesystem::path path_;
  Grid grid_;
  std::vector<std::string> evidence_;
  std::string scenario_;
};

}  // namespace minerisk
