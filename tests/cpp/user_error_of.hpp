#pragma once
// The message of the UserError `f` throws, or "" when it throws none: what a test of a refusal
// checks (the one line a user reads).
#include <functional>
#include <string>

#include "minerisk/engine/errors.hpp"

namespace minerisk::test_support {

inline std::string user_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace minerisk::test_support
