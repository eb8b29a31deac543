#pragma once
// Names taken in any case ("MAX" is "max", "Landscape" is "landscape"), as GDAL takes driver
// and creation-option names. The one place the command line, the Python module and engine/ops
// match a name a user typed against the few a choice allows, so all three say the same.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minerisk {

/// `text` with its ASCII letters in lower case (names, extensions and drivers are ASCII).
std::string lower_case(std::string text);

/// The one of `names` that `given` spells in any case, as written in `names`; nullopt if none.
std::optional<std::string> name_in_any_case(const std::string& given, const std::vector<std::string>& names);

/// "a, b, c": the names a choice allows, as messages list them.
std::string listed(const std::vector<std::string>& names);

/// The one of `names` that `given` spells in any case, or a UserError naming the option:
/// "--breaks: 'x' is not one of log, quantile" (the command line's message for the same value).
std::string one_of(const std::string& given, const std::vector<std::string>& names, const std::string& option);

/// The value `given` names among `choices` (keys in lower case), in any case; otherwise the
/// UserError of one_of.
template <class Value>
const Value& named_in_any_case(const std::map<std::string, Value>& choices, const std::string& given,
                               const std::string& option) {
  std::vector<std::string> names;
  for (const auto& entry : choices) names.push_back(entry.first);
  return choices.at(one_of(given, names, option));
}

}  // namespace minerisk
