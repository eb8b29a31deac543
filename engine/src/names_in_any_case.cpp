#include "minerisk/engine/names_in_any_case.hpp"

#include <cctype>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/joined.hpp"

namespace minerisk {

std::string lower_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::optional<std::string> name_in_any_case(const std::string& given, const std::vector<std::string>& names) {
  const std::string wanted = lower_case(given);
  for (const std::string& name : names)
    if (lower_case(name) == wanted) return name;
  return std::nullopt;
}

std::string choice_in_any_case(const std::string& given, const std::vector<std::string>& names, const std::string& option) {
  if (std::optional<std::string> name = name_in_any_case(given, names)) return *name;
  throw UserError(option + ": '" + given + "' is not one of " + joined(names));
}

}  // namespace minerisk
