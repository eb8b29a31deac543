// Names a command keeps for its own files (update's lock and journal): no output may be written
// as one, by any spelling of its folder, whether an option is checked early or OutputSet finds it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "minerisk/engine/output_set.hpp"
#include "user_error_of.hpp"

namespace fs = std::filesystem;
using minerisk::test_support::user_error_of;

namespace {
struct ScratchFolder {
  fs::path path;
  ScratchFolder() {
    std::string name = (fs::temp_directory_path() / "minerisk-reserved-XXXXXX").string();
    path = ::mkdtemp(name.data());
  }
  ~ScratchFolder() { fs::remove_all(path); }
};
}  // namespace

TEST(ReservedNames, AnOutputOfAReservedNameIsRefusedInAnySpellingOfItsFolder) {
  const ScratchFolder scratch;
  fs::create_directory(scratch.path / "sub");
  const std::vector<minerisk::ReservedName> reserved = {{scratch.path / "out.nc.lock", "the update's own lock"}};
  EXPECT_EQ(user_error_of([&] { minerisk::refuse_reserved_name(scratch.path / "sub/../out.nc.lock", reserved, "--timings"); }),
            "--timings: '" + (scratch.path / "sub/../out.nc.lock").string() +
                "' is the update's own lock; give it another name");
  EXPECT_EQ(user_error_of([&] { minerisk::refuse_reserved_name(scratch.path / "sub/out.nc.lock", reserved, "--timings"); }), "");
  EXPECT_EQ(user_error_of([&] { minerisk::refuse_reserved_name(scratch.path / "out.nc.lock2", reserved, "--timings"); }), "");

  minerisk::OutputSet outputs({}, true);
  outputs.reserve(reserved.front());
  EXPECT_EQ(user_error_of([&] { outputs.add(scratch.path / "out.nc.lock"); }),
            "output: '" + (scratch.path / "out.nc.lock").string() + "' is the update's own lock; give it another name");
  EXPECT_EQ(user_error_of([&] { outputs.add(scratch.path / "timings.json"); }), "");
}
