// The "choices" validator and reading its names back (see choices.hpp).
#include "choices.hpp"

#include <cctype>

namespace minerisk::cli {
namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

CLI::Validator choice(std::vector<std::string> names) {
  std::string braced, listed;
  for (const std::string& n : names) {
    braced += (braced.empty() ? "" : ",") + n;
    listed += (listed.empty() ? "" : ", ") + n;
  }
  auto check = [names, listed](std::string& value) -> std::string {
    for (const std::string& n : names)
      if (lower(n) == lower(value)) {
        value = n;
        return {};
      }
    return "'" + value + "' is not one of " + listed;
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

}  // namespace minerisk::cli
