#pragma once
// One way to show a byte that is not printable text, wherever minerisk writes a name it was given
// (a message on stderr, a report's HTML, the record of a path that is not UTF-8): as \xNN, the way
// Python's backslashreplace shows it, so that what the user reads can be typed back.
#include <cstddef>
#include <string>
#include <string_view>

namespace minerisk {

// A C0 control character or DEL: what would break a line or be invisible in a message.
inline bool is_control_character(unsigned char byte) { return byte < 0x20 || byte == 0x7f; }

// The byte as the four characters \xNN (lower-case hexadecimal).
inline std::string byte_as_hex_escape(unsigned char byte) {
  static const char* const kHex = "0123456789abcdef";
  return {'\\', 'x', kHex[byte >> 4], kHex[byte & 15]};
}

// The length (2 to 4) of the well-formed UTF-8 sequence of a character beyond ASCII that starts at
// text[i], or 0 where the bytes there are not one: a Latin-1 byte, a cut sequence, an overlong
// or surrogate form (Unicode's table 3-7 of well-formed byte sequences).
inline size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto at = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
  const unsigned char lead = at(0);
  // The second byte's range depends on the lead; any later byte is 0x80 to 0xBF.
  unsigned char low = 0x80, high = 0xBF;
  size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3, low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4, low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
  if (length == 0 || at(1) < low || at(1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (at(k) < 0x80 || at(k) > 0xBF) return 0;
  return length;
}

// Whether `text` is UTF-8 throughout, by the table above (GDAL's CPLIsUTF8 takes surrogates).
inline bool is_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = static_cast<unsigned char>(text[i]) < 0x80 ? 1 : utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// Appends the character at text[i] to `out` as a name is shown: itself, or \xNN for a control
// character or a byte that is not part of a UTF-8 character; returns how many bytes it took.
inline size_t append_visible_character(std::string_view text, size_t i, std::string& out) {
  const auto byte = static_cast<unsigned char>(text[i]);
  const size_t length = byte < 0x80 ? 1 : utf8_sequence_length(text, i);
  if (length == 0 || is_control_character(byte)) {
    out += byte_as_hex_escape(byte);
    return 1;
  }
  out.append(text.substr(i, length));
  return length;
}

// `text` with each control character, and each byte that is not part of a UTF-8 character (a
// Latin-1 file name), shown as \xNN: a name the user gave kept on its line and in text, in a
// message or a summary line on stdout.
inline std::string visible_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) i += append_visible_character(text, i, out);
  return out;
}

}  // namespace minerisk
