#pragma once
// Failures by who can act on them: the user (exit code 2), a scheduler that may try again
// later (3: busy), and everything else (1).
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace minerisk {

/// An error the user can fix: a missing file, a bad key, a value out of range. The message is
/// one line naming the file, layer or key and saying what to do.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The user interrupted the work (Ctrl-C, SIGTERM); nothing is left behind.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("interrupted; no output was written") {}
};

/// Another process holds the lock of the output this command would write (update without
/// --wait): nothing was done, and a scheduler may simply try again later (exit code 3).
class Busy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// A number as messages and reports write it: no trailing zeros, at most 10 significant digits.
inline std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

/// A number with every digit that tells it apart (the shortest text that reads back to the same
/// double): for a message whose point is a difference in the last digits, as a point just
/// outside a grid's edge.
inline std::string exact_number_text(double v) {
  char text[64];
  // Plain digits where coordinates and counts live (500000, not the shorter 5e+05, which reads
  // as a rounding; 2^60 in its 19 digits); an exponent only for the very large and very small
  // (from 1e21, as JavaScript's numbers switch).
  const double size = v < 0 ? -v : v;
  const bool plain = size == 0 || (size >= 1e-4 && size < 1e21);
  const auto end = std::to_chars(text, text + sizeof text, v, plain ? std::chars_format::fixed : std::chars_format::general).ptr;
  return std::string(text, end);
}

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUserError = 2;
inline constexpr int kExitBusy = 3;
inline constexpr int kExitInterrupted = 130;

}  // namespace minerisk
