#pragma once
// What travels in an output file so a result can be traced to its inputs.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace minerisk {

struct InputFile {
  std::string role;  // "terrain.dem", "front_lines" ...
  std::filesystem::path path;
  uintmax_t size = 0;
  std::string sha256;  // hex; "" when the path is not a plain file (a /vsi path, a URL)
};

/// Size and SHA-256 of a file.
InputFile describe_input(const std::string& role, const std::filesystem::path& path);

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
