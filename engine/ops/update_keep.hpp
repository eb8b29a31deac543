#pragma once
// --keep N: the previous grids, kept under dated names beside the output so a planner can
// compare yesterday's with today's (minerisk diff). Internal to engine/ops.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/engine/update_record.hpp"

namespace minerisk::ops {

/// A dated name keep_previous made: `link` is a second name of `original` (the grid or its picture).
struct KeptLink {
  std::filesystem::path original;
  std::filesystem::path link;
};

/// Just before the new output replaces it: links the previous grid (OUT.nc) and its picture as
/// OUT.<date>.nc and OUT.<date>.png, `date` (ISO 8601 UTC) written 20261204T020000Z, with -1,
/// -2 ... after the date when another grid already has that name. A hard link: no copy, and
/// the previous file stays whole under its dated name whatever happens next. Nothing with
/// `keep` 0. Returns the grids kept, newest first; `linked` gets the names it made.
std::vector<std::filesystem::path> keep_previous(const std::filesystem::path& output, const std::string& date, int keep,
                                                 std::vector<KeptLink>& linked);

/// When the commit did not happen (a signal, a failure): removes the dated names keep_previous
/// made, each only while its original is still the file it names, so the previous grid is never
/// left without a name. An interrupted update leaves no new file.
void undo_keep(const std::vector<KeptLink>& linked);

/// After the commit: removes the oldest dated grids (and their pictures) beyond the newest
/// `keep` (none with `keep` 0: dated grids kept on other nights are left alone). Only files
/// that are outputs of minerisk count, whatever the names of others. A dated grid that is one of
/// `inputs` (the run's input files), or whose picture is, is never removed and does not count
/// among the newest `keep`. Returns the grids kept, newest first.
std::vector<std::filesystem::path> prune_kept(const std::filesystem::path& output, int keep,
                                              const std::vector<std::filesystem::path>& inputs);

/// A file's modification time as ISO 8601 UTC: the date of a previous output without a record.
std::string utc_iso8601_of_file(const std::filesystem::path& file);

/// The date an output is kept under, and which a kept grid's name must carry: its record's last
/// change's date (a run and each update add one), or the file's time when the record is damaged
/// or its last change has no date.
std::string date_kept_under(const std::optional<UpdateRecord>& record, const std::filesystem::path& file);

}  // namespace minerisk::ops
