// The "choices" validator and reading its names back, and the "a number" one (see choices.hpp).
#include "choices.hpp"

#include <cmath>
#include <cstdlib>

#include "minerisk/engine/joined.hpp"
#include "minerisk/engine/names_in_any_case.hpp"

namespace minerisk::cli {

CLI::Validator choice(std::vector<std::string> names) {
  std::string braced;
  for (const std::string& n : names) braced += (braced.empty() ? "" : ",") + n;
  auto check = [names](std::string& value) -> std::string {
    if (std::optional<std::string> name = name_in_any_case(value, names)) {
      value = *name;
      return {};
    }
    return "'" + value + "' is not one of " + joined(names);  // engine/ops' message (choice_in_any_case) less the option
  };
  return CLI::Validator(check, "{" + braced + "}", "choices");
}

std::vector<std::string> choices_of(CLI::Option& option) {
  CLI::Validator* validator = nullptr;
  try {
    validator = option.get_validator("choices");
  } catch (const CLI::OptionNotFound&) {
    return {};
  }
  std::string text = validator->get_description();
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return {};
  std::vector<std::string> names;
  std::string name;
  for (char ch : text.substr(1, text.size() - 2)) {
    if (ch == ',') {
      names.push_back(name);
      name.clear();
    } else {
      name += ch;
    }
  }
  names.push_back(name);
  return names;
}

CLI::Validator a_number() {
  return CLI::Validator(
      [](std::string& text) {
        const double v = std::strtod(text.c_str(), nullptr);
        return text.empty() || std::isnan(v) ? std::string("'" + text + "' is not a number") : std::string();
      },
      "", "a number");
}

}  // namespace minerisk::cli
