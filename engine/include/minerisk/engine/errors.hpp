#pragma once
// Two kinds of failure: what the user can fix (exit code 2) and everything else (exit code 1).
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

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUserError = 2;
inline constexpr int kExitInterrupted = 130;

}  // namespace minerisk
