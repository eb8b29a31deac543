#pragma once
// Typed, checked access to one table of a scenario file. Every complaint is a UserError that
// names the file, the line and the full key, and says how to fix it.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace minerisk {

/// The limits on a TOML text, checked before toml++ sees it (toml++ recurses on nesting).
inline constexpr size_t kMaxTomlBytes = size_t{16} << 20;
inline constexpr int kMaxTomlDepth = 64;  // header or dotted-key components, arrays, inline tables

/// Refuses (UserError naming `source` and the line) a text over the size or nesting limit.
void check_toml_limits(std::string_view text, const std::string& source);

/// Parses a TOML text within the limits; invalid TOML is a UserError naming `source` and the line.
toml::table parse_toml_text(std::string_view text, const std::string& source);

/// Parses a TOML file within the limits; a missing or irregular file, or invalid TOML, is a
/// UserError naming `what` ("scenario file", "sweep file") and the line.
toml::table parse_toml_file(const std::filesystem::path& file, const std::string& what);
/// A UserError naming `what` unless `file` exists (also when the system cannot look it up).
void require_existing(const std::filesystem::path& file, const std::string& what);

class TomlReader {
 public:
  /// Rejects keys not in `allowed`, suggesting the nearest valid one.
  TomlReader(const toml::table& table, std::string key_prefix, std::filesystem::path file,
             std::vector<std::string> allowed);

  bool has(const std::string& key) const { return table_.contains(key); }
  /// A number; NaN and infinities are refused (no key gives them a meaning), and so are they in
  /// numbers().
  std::optional<double> number(const std::string& key) const;
  double number_or(const std::string& key, double fallback) const;
  double required_number(const std::string& key, const std::string& how_to_fix) const;
  std::optional<std::string> text(const std::string& key) const;
  std::string required_text(const std::string& key, const std::string& how_to_fix) const;
  std::vector<double> numbers(const std::string& key) const;  // a number or an array of numbers
  const toml::table* table(const std::string& key) const;
  const toml::table& raw() const { return table_; }

  /// A required path, relative to `base` unless absolute; an empty one is refused.
  std::filesystem::path path(const std::string& key, const std::filesystem::path& base) const;
  /// Refuses a value that is not a positive finite number; `hint` says what it measures.
  void require_positive(const std::string& key, double value, const std::string& hint) const;
  /// Refuses a value outside [0, 1].
  void require_probability(const std::string& key, double value) const;

  std::string full_key(const std::string& key) const;
  const std::filesystem::path& file() const { return file_; }
  /// Throws a UserError about `key`: "FILE:LINE: 'full.key' MESSAGE".
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const toml::table& table_;
  std::string prefix_;
  std::filesystem::path file_;
};

}  // namespace minerisk
