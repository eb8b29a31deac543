#include "minerisk/engine/nearest_name.hpp"

#include <algorithm>
#include <cctype>

#include "minerisk/engine/joined.hpp"

namespace minerisk {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                  std::tolower(static_cast<unsigned char>(b[j - 1]))
                              ? 0
                              : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + same});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  const size_t tolerance = std::max<size_t>(2, word.size() / 3);
  return best_distance <= tolerance ? best : std::string();
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates, const std::string& what) {
  const std::string near = nearest_name(word, candidates);
  if (!near.empty()) return "did you mean '" + near + "'?";
  return what + " are: " + joined(candidates);
}

}  // namespace minerisk
