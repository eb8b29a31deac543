#include "update_keep.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/run.hpp"

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
}  // namespace

std::vector<fs::path> keep_previous(const fs::path& output, const std::string& date, int keep) {
  std::vector<fs::path> kept;
  if (keep <= 0) return kept;
  std::error_code ec;
  const std::string stamp = stamp_of(date);
  for (const fs::path& file : {output, picture_path(output)}) {
    if (!fs::is_regular_file(fs::symlink_status(file, ec))) continue;  // never a link's target
    const fs::path to = dated(file, stamp);
    if (::link(file.c_str(), to.c_str()) != 0 && errno != EEXIST)
      throw UserError("'" + to.string() + "': cannot keep the previous output (" + std::strerror(errno) +
                      "); free the name or run without --keep");
  }
  // The dated grids of this output, oldest first by name; the pictures follow their grids.
  const std::regex pattern(std::regex_replace(output.stem().string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                           R"(\.\d{8}T\d{6}Z)" +
                           std::regex_replace(output.extension().string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)"));
  const fs::path folder = output.has_parent_path() ? output.parent_path() : fs::path(".");
  std::vector<fs::path> grids;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (std::regex_match(entry.path().filename().string(), pattern) && entry.is_regular_file(ec)) grids.push_back(entry.path());
  std::sort(grids.begin(), grids.end());
  while (grids.size() > static_cast<size_t>(keep)) {
    ::unlink(grids.front().c_str());  // the name only: unlink never follows a link
    ::unlink(picture_path(grids.front()).c_str());
    grids.erase(grids.begin());
  }
  std::reverse(grids.begin(), grids.end());
  return grids;
}

}  // namespace minerisk::ops
