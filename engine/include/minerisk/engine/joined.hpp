#pragma once
// "a, b, c" and "a, b or c": lists of names or files as messages and reports write them.
#include <string>
#include <vector>

namespace minerisk {

inline std::string joined(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

inline std::string joined_with_or(const std::vector<std::string>& items) {
  std::string text;
  for (size_t k = 0; k < items.size(); ++k) text += (k == 0 ? "" : k + 1 == items.size() ? " or " : ", ") + items[k];
  return text;
}

}  // namespace minerisk
