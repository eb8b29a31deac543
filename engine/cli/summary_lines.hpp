#pragma once
// The lines a command prints on stdout about the files it wrote ("grid: out.nc"), one line each
// whatever the name holds: a control character in it (a newline) is shown as \xNN, as messages
// show it.
#include <filesystem>

#include "minerisk/engine/ops/run.hpp"

namespace minerisk::cli {

/// "LABEL: PATH".
void print_file_line(const char* label, const std::filesystem::path& path);

/// run's and update's files: the grid, and its evidence and picture when written.
void print_grid_files(const RunSummary& summary);

}  // namespace minerisk::cli
