// Names shown as Python's backslashreplace shows them: control characters and bytes that are not
// part of a UTF-8 character as \xNN, every UTF-8 character as it is.
#include <gtest/gtest.h>

#include <string>

#include "minerisk/engine/byte_text.hpp"

using minerisk::utf8_sequence_length;
using minerisk::visible_text;

TEST(ByteText, KeepsUtf8AndShowsEveryOtherByte) {
  EXPECT_EQ(visible_text("plain.tif"), "plain.tif");
  EXPECT_EQ(visible_text("a\nb\x7f"), "a\\x0ab\\x7f");
  EXPECT_EQ(visible_text("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x97\xba"), "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x97\xba");
  EXPECT_EQ(visible_text("r\xe9gion"), "r\\xe9gion");             // Latin-1
  EXPECT_EQ(visible_text("\xe2\x82" "A"), "\\xe2\\x82A");          // a cut sequence
  EXPECT_EQ(visible_text("\xc0\xaf"), "\\xc0\\xaf");               // overlong '/'
  EXPECT_EQ(visible_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");      // a surrogate
  EXPECT_EQ(visible_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // beyond U+10FFFF
  EXPECT_EQ(visible_text("end\xc3"), "end\\xc3");                 // cut at the end
}

TEST(ByteText, SequenceLengthsFollowUnicodesTable) {
  EXPECT_EQ(utf8_sequence_length("\xc2\x80", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xe0\xa0\x80", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xe0\x9f\x80", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xed\x9f\xbf", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x90\x80\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xf4\x8f\xbf\xbf", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xf5\x80\x80\x80", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);
}

TEST(ByteText, Utf8ThroughoutRefusesWhatVisibleTextShows) {
  EXPECT_TRUE(minerisk::is_utf8("plain \xc3\xa9t\xc3\xa9 \xf0\x9f\x97\xba"));
  EXPECT_FALSE(minerisk::is_utf8("r\xe9gion"));
  EXPECT_FALSE(minerisk::is_utf8("g\xed\xa0\x80.nc"));  // a surrogate, which CPLIsUTF8 takes
  EXPECT_FALSE(minerisk::is_utf8("cut\xe2\x82"));
}
