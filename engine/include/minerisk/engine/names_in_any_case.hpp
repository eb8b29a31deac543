#pragma once
// Names taken in any case ("MAX" is "max", "Landscape" is "landscape"), as GDAL takes driver
// and creation-option names. The command line (its "choices" validator), the Python module and
// engine/ops match a name a user typed against the few a choice allows here, so all three
// accept the same names and refuse others with the same message.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minerisk {

/// `text` with its ASCII letters in lower case (names, extensions and drivers are ASCII).
std::string lower_case(std::string text);

/// The one of `names` that `given` spells in any case, as written in `names`; nullopt if none.
std::optional<std::string> name_in_any_case(const std::string& given, const std::vector<std::string>& names);

/// The one of `names` that `given` spells in any case, or a UserError naming the option:
/// "--breaks: 'x' is not one of log, quantile" (the command line's message for the same value).
std::string choice_in_any_case(const std::string& given, const std::vector<std::string>& names, const std::string& option);

/// The value `given` names among `choices`, in any case; otherwise the UserError of choice_in_any_case
/// (listing the names in the map's order). A copy: the values are small (enums).
template <class Value>
Value named_in_any_case(const std::map<std::string, Value>& choices, const std::string& given,
                               const std::string& option) {
  std::vector<std::string> names;
  for (const auto& entry : choices) names.push_back(entry.first);
  return choices.at(choice_in_any_case(given, names, option));
}

}  // namespace minerisk
