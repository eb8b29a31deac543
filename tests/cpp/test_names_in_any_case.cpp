// Names a choice allows, taken in any case: the one matcher the command line, the Python
// module and engine/ops share, so they accept and refuse the same words with the same message.
#include <gtest/gtest.h>

#include <map>

#include "minerisk/engine/names_in_any_case.hpp"
#include "user_error_of.hpp"

using minerisk::test_support::user_error_of;

TEST(NamesInAnyCase, AnyCaseGivesTheNameAsWritten) {
  EXPECT_EQ(minerisk::choice_in_any_case("QUANTILE", {"log", "quantile"}, "--breaks"), "quantile");
  EXPECT_EQ(minerisk::choice_in_any_case("Landscape", {"portrait", "landscape"}, "--orientation"), "landscape");
  EXPECT_EQ(minerisk::name_in_any_case("float32", {"packed", "Float32"}), "Float32");
  EXPECT_EQ(minerisk::name_in_any_case("quantiles", {"log", "quantile"}), std::nullopt);  // whole names only
  EXPECT_EQ(minerisk::lower_case("A4.GPKG"), "a4.gpkg");
}

TEST(NamesInAnyCase, AnUnknownNameIsRefusedListingTheChoicesInOrder) {
  EXPECT_EQ(user_error_of([] { minerisk::choice_in_any_case("zstd9", {"packed", "float32", "none"}, "--evidence"); }),
            "--evidence: 'zstd9' is not one of packed, float32, none");
  const std::map<std::string, int> shapes = {{"square", 2}, {"circle", 1}};
  EXPECT_EQ(minerisk::named_in_any_case(shapes, "SQUARE", "--shape"), 2);
  EXPECT_EQ(user_error_of([&] { minerisk::named_in_any_case(shapes, "disc", "--shape"); }),
            "--shape: 'disc' is not one of circle, square");
}
