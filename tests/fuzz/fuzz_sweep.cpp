// libFuzzer target: the sweep reader on any bytes, as the file sweep.toml of this folder; its
// base scenario is a real file (corpus_sweep's inputs name base = "sweep_base.toml"), but any
// path the input names is read, within the TOML limits. A UserError is the expected outcome
// for bad input; anything else escaping, a crash, a hang or a sanitizer report is a finding.
// With MINERISK_FUZZ_EXPECT_VALID set, a UserError aborts too: ctest runs the corpus so.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/sweep.hpp"
#include "minerisk/engine/toml_reader.hpp"

#ifndef MINERISK_FUZZ_DIR
#error "MINERISK_FUZZ_DIR names tests/fuzz (set by its CMakeLists.txt)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool expect_valid = std::getenv("MINERISK_FUZZ_EXPECT_VALID") != nullptr;
  if (expect_valid && size == 0) return 0;  // libFuzzer's own empty input, not a corpus file
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path file = std::filesystem::path(MINERISK_FUZZ_DIR) / "sweep.toml";  // need not exist
  try {
    const minerisk::SweepSpec s = minerisk::parse_sweep(minerisk::parse_toml_text(text, file.string()), file);
    (void)s;
  } catch (const minerisk::UserError& e) {
    if (expect_valid) {
      std::fprintf(stderr, "a corpus file is refused: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
