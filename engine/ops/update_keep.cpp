#include "update_keep.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <regex>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/ops/run.hpp"
#include "minerisk/engine/update_record.hpp"

namespace fs = std::filesystem;

namespace minerisk::ops {

namespace {
// 2026-12-04T02:00:00Z -> 20261204T020000Z: a name part that sorts as time does.
std::string stamp_of(const std::string& date) {
  std::string stamp;
  for (char c : date)
    if (std::isdigit(static_cast<unsigned char>(c)) || c == 'T' || c == 'Z') stamp += c;
  return stamp.size() == 16 ? stamp : "00000000T000000Z";
}

fs::path dated(const fs::path& file, const std::string& stamp) {
  fs::path p = file;
  p.replace_filename(file.stem().string() + "." + stamp + file.extension().string());
  return p;
}

std::string escaped(const std::string& text) { return std::regex_replace(text, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)"); }

// Whether `file` is a grid this output kept: an output of minerisk (it holds a record of its
// tiles, whole or damaged) whose name carries its own date, as keep_previous names it. Only
// those are listed, and pruned: a file of another kind, or another run's grid written or
// copied under such a name, is not this output's to remove.
bool is_kept_grid(const fs::path& file, const std::string& stamp_in_name) {
  std::string why;
  bool damaged = false;
  const std::optional<UpdateRecord> record = read_update_record(file, why, &damaged);
  if (!record && !damaged) return false;
  return stamp_of(date_kept_under(record, file)) == stamp_in_name;
}

// The dated grids of `output`, newest first (by name: the dates sort as time does).
std::vector<fs::path> dated_grids(const fs::path& output) {
  const std::regex pattern(escaped(output.stem().string()) + R"(\.(\d{8}T\d{6}Z)(-\d+)?)" + escaped(output.extension().string()));
  const fs::path folder = output.has_parent_path() ? output.parent_path() : fs::path(".");
  std::vector<fs::path> grids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, pattern) && entry.is_regular_file(ec) && !entry.is_symlink(ec) &&
        is_kept_grid(entry.path(), match[1].str()))
      grids.push_back(entry.path());
  }
  // Newest first: by date, then by the -N of the same second (higher is later).
  std::sort(grids.begin(), grids.end(), [](const fs::path& a, const fs::path& b) {
    const std::string sa = a.stem().string(), sb = b.stem().string();
    const std::string da = sa.substr(sa.rfind('.') + 1), db = sb.substr(sb.rfind('.') + 1);
    const auto n = [](const std::string& d) { return d.size() > 16 ? std::stoi(d.substr(17)) : 0; };
    return da.substr(0, 16) != db.substr(0, 16) ? da.substr(0, 16) > db.substr(0, 16) : n(da) > n(db);
  });
  return grids;
}
}  // namespace

std::string utc_iso8601_of_file(const fs::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return "";
  std::tm utc{};
  gmtime_r(&st.st_mtim.tv_sec, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string date_kept_under(const std::optional<UpdateRecord>& record, const fs::path& file) {
  if (record && !record->changes.empty() && record->changes.back().is_object()) {
    const auto date = record->changes.back().find("date");
    if (date != record->changes.back().end() && date->is_string()) return date->get<std::string>();
  }
  return utc_iso8601_of_file(file);
}

std::vector<fs::path> keep_previous(const fs::path& output, const std::string& date, int keep,
                                   std::vector<KeptLink>& linked) {
  linked.clear();
  if (keep <= 0) return {};
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(output, ec))) return dated_grids(output);  // never a link's target
  // Already kept: an update killed after linking it (its commit undone by the next command)
  // left the previous grid dated; a second name for the same file would count twice in --keep.
  for (const fs::path& grid : dated_grids(output))
    if (fs::equivalent(grid, output, ec)) return dated_grids(output);
  // A name free for the grid and its picture alike: the date, or the date and -1, -2 ... (two
  // updates in one second, or a file of someone else's under one of the two names).
  const std::string stamp = stamp_of(date);
  const auto taken = [&](const std::string& name) {
    return fs::exists(fs::symlink_status(dated(output, name), ec)) ||
           fs::exists(fs::symlink_status(dated(picture_path(output), name), ec));
  };
  std::string name = stamp;
  for (int n = 1; taken(name); ++n) name = stamp + "-" + std::to_string(n);
  for (const fs::path& file : {output, picture_path(output)}) {
    if (!fs::is_regular_file(fs::symlink_status(file, ec))) continue;
    const fs::path to = dated(file, name);
    if (::link(file.c_str(), to.c_str()) != 0) {
      const int error = errno;
      for (const KeptLink& made : linked) ::unlink(made.link.c_str());  // nothing left half kept
      linked.clear();
      throw UserError("'" + to.string() + "': cannot keep the previous output (" + std::strerror(error) +
                      "); free the name or run without --keep");
    }
    linked.push_back({file, to});
  }
  return dated_grids(output);
}

void undo_keep(const std::vector<KeptLink>& linked) {
  std::error_code ec;
  for (const KeptLink& made : linked)
    if (fs::equivalent(made.link, made.original, ec)) ::unlink(made.link.c_str());
}

std::vector<fs::path> prune_kept(const fs::path& output, int keep, const std::vector<fs::path>& inputs) {
  if (keep <= 0) return {};
  // A dated grid (or its picture) that the scenario reads, say yesterday's as a layer, is an
  // input: never removed, and not counted among the newest `keep`. An input named as a GDAL
  // dataset (NETCDF:"OUT.<date>.nc":probability, a VRT) reads the files GDAL lists for it.
  std::vector<fs::path> files_read;
  for (const fs::path& input : inputs) {
    const std::vector<fs::path> files = files_of_dataset(input.string());
    files_read.insert(files_read.end(), files.begin(), files.end());
  }
  const auto is_input = [&](const fs::path& file) {
    std::error_code ec;
    return std::any_of(files_read.begin(), files_read.end(), [&](const fs::path& read) { return fs::equivalent(file, read, ec); });
  };
  std::vector<fs::path> grids = dated_grids(output), kept;
  size_t counted = 0;
  for (const fs::path& grid : grids) {
    if (is_input(grid) || is_input(picture_path(grid))) {
      kept.push_back(grid);
      continue;
    }
    if (counted < static_cast<size_t>(keep)) {
      ++counted;
      kept.push_back(grid);
      continue;
    }
    ::unlink(grid.c_str());  // the name only: unlink never follows a link
    ::unlink(picture_path(grid).c_str());
  }
  return kept;
}

}  // namespace minerisk::ops
