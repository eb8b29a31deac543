#pragma once
// What travels in an output file so a result can be traced to its inputs.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minerisk {

/// A file as the file system describes it. While none of this changes, neither do the file's
/// bytes: every write moves the change time (ctime), which no user tool can set back. The test
/// git and make rely on, with ctime and the inode besides.
struct FileStat {
  uint64_t size = 0, inode = 0, device = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileStat&) const = default;
};
/// The stat of a plain file, or nothing (absent, not a plain file, a GDAL dataset name).
std::optional<FileStat> stat_file(const std::filesystem::path& path);

/// SHA-256s computed before, by path, with the stat each was computed under: `update` reuses a
/// hash while the file's stat is unchanged, instead of reading a DEM of gigabytes every night.
using KnownHashes = std::map<std::string, std::pair<FileStat, std::string>>;

struct InputFile {
  std::string role;  // "terrain.dem", "front_lines" ...
  std::filesystem::path path;
  uintmax_t size = 0;
  std::string sha256;  // hex; "" when the path is not a plain file (a /vsi path, a URL)
  std::optional<FileStat> stat;  // of the local file hashed
};

/// Refuses (UserError naming `role`) a path that is not UTF-8 text: a grid records its files in
/// JSON, which holds UTF-8 only (a Latin-1 folder name ended run, update and sweep with an
/// internal error).
void require_utf8_path(const std::filesystem::path& path, const std::string& role);

/// Size and SHA-256 of a file (a path that is not UTF-8 refused: require_utf8_path); the hash of `known` when it holds the file under the same stat.
InputFile describe_input(const std::string& role, const std::filesystem::path& path, const KnownHashes* known = nullptr,
                         bool hash = true);

/// Hex SHA-256 of a file's bytes.
std::string sha256_file(const std::filesystem::path& path);

/// A new random identifier (128 bits, hex) for the files of one run, so that a grid's evidence
/// file is known to be its own.
std::string new_run_id();

/// The current time in UTC as ISO 8601, e.g. 2026-11-28T07:01:38Z.
std::string utc_now_iso8601();

/// The inputs as a JSON array of {role, path, size, sha256}.
std::string inputs_json(const std::vector<InputFile>& inputs);

}  // namespace minerisk
