#include "minerisk/engine/toml_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <algorithm>
#include <fstream>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/joined.hpp"
#include "minerisk/engine/nearest_name.hpp"

namespace minerisk {

toml::table parse_toml_text(std::string_view text, const std::string& source) {
  check_toml_limits(text, source);
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw UserError(source + ":" + std::to_string(e.source().begin.line) + ": not valid TOML: " +
                    std::string(e.description()));
  }
}

namespace {

/// ", such as 'DIR/a.toml'" naming the TOML files in a folder (the first few, sorted), or "".
std::string toml_files_in(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml") names.push_back("'" + it->path().string() + "'");
  if (names.empty()) return {};
  std::sort(names.begin(), names.end());
  names.resize(std::min<size_t>(names.size(), 3));
  return ", such as " + joined_with_or(names);
}

}  // namespace

void require_existing(const std::filesystem::path& file, const std::string& what) {
  // The non-throwing form: a name the system refuses to look up (too long) is the user's to fix.
  std::error_code ec;
  const bool found = std::filesystem::exists(file, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw UserError(file.string().substr(0, 200) + ": cannot look up the " + what + " (" + ec.message() +
                    "); check the path");
  if (!found) throw UserError(file.string() + ": " + what + " not found; check the path");
}

toml::table parse_toml_file(const std::filesystem::path& file, const std::string& what) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) throw UserError(file.string() + ": " + what + " not found; check the path");
  if (std::filesystem::is_directory(status))
    throw UserError(file.string() + ": is a folder; give the " + what + " (TOML) itself" + toml_files_in(file));
  if (!std::filesystem::is_regular_file(status))
    throw UserError(file.string() + ": is not a regular file; give the path of a " + what);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(file.string() + ": cannot open the " + what + " (" + std::strerror(errno) + ")");
  // Read at most one byte past the limit, whatever the size said a moment ago.
  std::string text(kMaxTomlBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw UserError(file.string() + ": cannot read the " + what);
  text.resize(static_cast<size_t>(in.gcount()));
  return parse_toml_text(text, file.string());
}

TomlReader::TomlReader(const toml::table& table, std::string key_prefix, std::filesystem::path file,
                       std::vector<std::string> allowed)
    : table_(table), prefix_(std::move(key_prefix)), file_(std::move(file)) {
  for (const auto& [key, node] : table_) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    fail(name, "is not a known key; " + suggestion(name, allowed));
  }
}

std::string TomlReader::full_key(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

void TomlReader::fail(const std::string& key, const std::string& message) const {
  std::string where = file_.string();
  const toml::node* node = table_.get(key);
  const auto& source = node ? node->source() : table_.source();
  if (source.begin.line > 0) where += ":" + std::to_string(source.begin.line);
  throw UserError(where + ": key '" + full_key(key) + "' " + message);
}

std::optional<double> TomlReader::number(const std::string& key) const {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  if (!node->is_number()) fail(key, "must be a number");
  // toml++ gives no double for an integer a double cannot hold exactly (beyond 2^53).
  const std::optional<double> exact = node->value<double>();
  if (!exact) fail(key, "is a whole number too large to be held exactly (at most 2^53)");
  const double value = *exact;
  if (!std::isfinite(value)) fail(key, "must be a finite number (got " + std::to_string(value) + ")");
  return value;
}

double TomlReader::number_or(const std::string& key, double fallback) const { return number(key).value_or(fallback); }

double TomlReader::required_number(const std::string& key, const std::string& how_to_fix) const {
  if (!has(key)) fail(key, "is missing; " + how_to_fix);
  return *number(key);
}

std::optional<std::string> TomlReader::text(const std::string& key) const {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  if (!node->is_string()) fail(key, "must be a string in quotes");
  return node->value<std::string>();
}

std::string TomlReader::required_text(const std::string& key, const std::string& how_to_fix) const {
  if (!has(key)) fail(key, "is missing; " + how_to_fix);
  return *text(key);
}

std::vector<double> TomlReader::numbers(const std::string& key) const {
  const toml::node* node = table_.get(key);
  if (!node) return {};
  if (node->is_number()) return {*number(key)};
  const toml::array* array = node->as_array();
  if (!array) fail(key, "must be a number or an array of numbers");
  std::vector<double> values;
  for (const toml::node& item : *array) {
    if (!item.is_number()) fail(key, "must contain only numbers");
    const double value = *item.value<double>();
    if (!std::isfinite(value)) fail(key, "must contain only finite numbers (got " + std::to_string(value) + ")");
    values.push_back(value);
  }
  return values;
}

const toml::table* TomlReader::table(const std::string& key) const {
  const toml::node* node = table_.get(key);
  if (!node) return nullptr;
  if (!node->is_table()) fail(key, "must be a table ([" + full_key(key) + "] or { ... })");
  return node->as_table();
}

std::filesystem::path TomlReader::path(const std::string& key, const std::filesystem::path& base) const {
  const std::string text = required_text(key, "give the path of the file, relative to the scenario file");
  if (text.empty()) fail(key, "is empty; give the path of the file, relative to the scenario file");
  // Any name GDAL reads (NETCDF:"grid.nc":probability, /vsizip/dem.zip/dem.tif), its file
  // taken relative to the scenario's folder like a plain path.
  return std::filesystem::path(resolve_dataset_name(text, base));
}

void TomlReader::require_positive(const std::string& key, double value, const std::string& hint) const {
  if (!(value > 0) || !std::isfinite(value))
    fail(key, "must be a positive number (got " + std::to_string(value) + "); " + hint);
}

void TomlReader::require_probability(const std::string& key, double value) const {
  if (!(value >= 0.0 && value <= 1.0))
    fail(key, "must lie in [0, 1] (got " + std::to_string(value) + "); it is a probability");
}

}  // namespace minerisk
