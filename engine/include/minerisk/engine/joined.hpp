#pragma once
// "a, b, c": a list of names or files as messages and reports write it.
#include <string>
#include <vector>

namespace minerisk {

inline std::string joined(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

}  // namespace minerisk
