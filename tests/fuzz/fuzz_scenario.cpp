// libFuzzer target: the scenario reader (the TOML limits, toml++'s parser and the schema) on
// any bytes. A UserError is the expected outcome for bad input (exit 2 in the program); any
// other exception escaping, a crash, a hang or a sanitizer report is a finding.
// With MINERISK_FUZZ_EXPECT_VALID set, a UserError aborts too: ctest runs the corpus so.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace {

// The depth of the tree toml++ built: the limits' scan must bound it (at most twice the limit,
// an array of tables adding a level per header component).
int depth_of(const toml::node& node) {
  int deepest = 0;
  if (const toml::table* t = node.as_table()) {
    for (const auto& [key, value] : *t) deepest = std::max(deepest, depth_of(value));
  } else if (const toml::array* a = node.as_array()) {
    for (const toml::node& value : *a) deepest = std::max(deepest, depth_of(value));
  } else {
    return 0;
  }
  return deepest + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool expect_valid = std::getenv("MINERISK_FUZZ_EXPECT_VALID") != nullptr;
  if (expect_valid && size == 0) return 0;  // libFuzzer's own empty input, not a corpus file
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path file = "/nonexistent/fuzz/scenario.toml";  // parsing never opens it
  try {
    const toml::table root = minerisk::parse_toml_text(text, file.string());
    if (depth_of(root) > 2 * minerisk::kMaxTomlDepth + 1) {
      std::fprintf(stderr, "a tree %d deep passed the limit of %d\n", depth_of(root), minerisk::kMaxTomlDepth);
      std::abort();
    }
    const minerisk::Scenario s = minerisk::parse_scenario(root, file);
    // What a run stores must read back as the same scenario.
    const minerisk::Scenario again = minerisk::parse_scenario(minerisk::parse_toml_text(s.resolved_toml, "resolved"), file);
    if (again.resolved_toml != s.resolved_toml) {
      std::fprintf(stderr, "the resolved scenario does not read back the same\n");
      std::abort();
    }
  } catch (const minerisk::UserError& e) {
    if (expect_valid) {
      std::fprintf(stderr, "a corpus file is refused: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
