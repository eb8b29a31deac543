#pragma once
// One way to show a byte that is not printable text, wherever minerisk writes a name it was given
// (a message on stderr, a report's HTML, the record of a path that is not UTF-8): as \xNN, the way
// Python's backslashreplace shows it, so that what the user reads can be typed back.
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

// `text` with each control character shown as \xNN: a name the user gave (a file name with a
// newline in it) kept on its line, in a message or a summary line on stdout.
inline std::string visible_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_control_character(byte)) out += byte_as_hex_escape(byte);
    else out += c;
  }
  return out;
}

}  // namespace minerisk
