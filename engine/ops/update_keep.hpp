#pragma once
// --keep N: the previous grids, kept under dated names beside the output so a planner can
// compare yesterday's with today's (minerisk diff). Internal to engine/ops.
#include <filesystem>
#include <string>
#include <vector>

namespace minerisk::ops {

/// Before the new output replaces it, links the previous grid (OUT.nc) and its picture as
/// OUT.<date>.nc and OUT.<date>.png, `date` (ISO 8601 UTC) written 20261204T020000Z, then
/// removes the oldest dated grids (and pictures) beyond the newest `keep`. A hard link: no
/// copy, and the previous file stays whole under its dated name whatever happens next. Returns
/// the grids kept, newest first.
std::vector<std::filesystem::path> keep_previous(const std::filesystem::path& output, const std::string& date, int keep);

}  // namespace minerisk::ops
