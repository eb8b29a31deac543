#pragma once
// "Did you mean ...?" for misspelt keys and names.
#include <string>
#include <vector>

namespace minerisk {

/// Levenshtein edit distance between two strings.
size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

/// A hint for an unknown name: "did you mean 'x'?" or "valid keys are: a, b, c".
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates,
                       const std::string& what = "valid keys");

}  // namespace minerisk
