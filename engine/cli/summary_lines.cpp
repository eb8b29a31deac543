#include "summary_lines.hpp"

#include <cstdio>

#include "minerisk/engine/byte_text.hpp"

namespace minerisk::cli {

void print_file_line(const char* label, const std::filesystem::path& path) {
  std::printf("%s: %s\n", label, visible_text(path.string()).c_str());
}

void print_grid_files(const RunSummary& summary) {
  print_file_line("grid", summary.output);
  if (!summary.evidence.empty()) print_file_line("evidence", summary.evidence);
  if (!summary.picture.empty()) print_file_line("picture", summary.picture);
}

}  // namespace minerisk::cli
