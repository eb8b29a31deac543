#pragma once
// Options that take one of a few names (focal's --statistic and --shape, --compress), and numbers
// whose NaN means "not given". The names
// are kept on the option itself, in a validator named "choices" whose description is "{a,b,c}",
// so --help, the parse error, the man page and the bash completion all list the same names.
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace minerisk::cli {

/// Accepts one of `names`, in any case (the value is turned into the name as written here);
/// otherwise "'x' is not one of a, b, c": the message engine/ops gives Python for the same value.
CLI::Validator choice(std::vector<std::string> names);

/// A number, never "nan" (NaN stands for "not given" in the options, so an explicit nan would be
/// taken for the default) nor "" (read as 0): "'nan' is not a number".
CLI::Validator a_number();

/// The names an option accepts, from its "choices" validator; empty for other options.
std::vector<std::string> choices_of(CLI::Option& option);

/// An option setting `target` from its name in `choices` (engine/ops' table of names).
template <class Value>
CLI::Option* add_choice_option(CLI::App* cmd, const std::string& name, Value& target,
                               const std::map<std::string, Value>& choices, const std::string& help) {
  std::vector<std::string> names;
  for (const auto& entry : choices) names.push_back(entry.first);
  // A transform (a check may not change the value): it runs first and leaves the name as spelt
  // in `choices`, so `at` cannot throw.
  return cmd
      ->add_option_function<std::string>(
          name, [&target, &choices](const std::string& value) { target = choices.at(value); }, help)
      ->transform(choice(std::move(names)));
}

}  // namespace minerisk::cli
