// Parse errors with nearest-name suggestions and a pointer to the right help (suggestions.hpp).
//
// CLI11 reports an unknown word late and out of context: a misspelt subcommand as "A subcommand
// is required", a misspelt option as "The following arguments were not expected: 2 --thread"
// (its value first), or not at all when a required option is also missing. So the arguments are
// read again here, in order, with the definitions: the first word that names nothing is reported
// with the names it could have meant; any other error keeps CLI11's text with the help to read.
#include "suggestions.hpp"

#include <cctype>

#include "minerisk/engine/nearest_name.hpp"

namespace minerisk::cli {
namespace {

/// An option word: "--name", "--name=value", "-x", "-xVALUE". A negative number is a value
/// (explain's coordinates), and "--" ends the options.
bool is_option_word(const std::string& word) {
  if (word.size() < 2 || word[0] != '-' || word == "--") return false;
  const auto second = static_cast<unsigned char>(word[1]);
  return !(std::isdigit(second) || second == '.');
}

std::vector<std::string> long_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options())
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

const CLI::Option* find_option(CLI::App& app, const std::string& name) {
  if (const CLI::Option* option = app.get_option_no_throw(name)) return option;
  // CLI11 hands a word a subcommand does not know to the program (--help, --version).
  return app.get_parent() ? app.get_parent()->get_option_no_throw(name) : nullptr;
}

/// The words after an option word that are its values: none for a flag or an attached value.
size_t values_after(const CLI::Option& option, bool attached) {
  if (attached) return 0;
  return static_cast<size_t>(std::max(0, option.get_items_expected_min()));
}

/// Joins a hint and a pointer to help: "did you mean 'x'? Run ..." or "...; run ...".
std::string with_pointer(const std::string& hint, const std::string& pointer) {
  if (!hint.empty() && hint.back() == '?')
    return hint + " " + static_cast<char>(std::toupper(static_cast<unsigned char>(pointer[0]))) + pointer.substr(1);
  return hint + "; " + pointer;
}

std::string help_of(const CLI::App& app) {
  return app.get_parent() ? "minerisk " + app.get_name() + " --help" : "minerisk --help";
}

std::string display(const CLI::App& app) { return app.get_parent() ? "minerisk " + app.get_name() : "minerisk"; }

/// For an option word `app` does not know: what it probably meant. "-threads" (GDAL's style,
/// one dash) is compared as "--threads"; a one-letter option only differing in case is named.
std::string option_hint(const CLI::App& app, const std::string& name) {
  if (name.size() == 2) {
    for (const CLI::Option* option : app.get_options())
      for (const std::string& s : option->get_snames())
        if (edit_distance(name, "-" + s) == 0) return "did you mean '-" + s + "'?";
    return {};
  }
  const std::string as_long = name.rfind("--", 0) == 0 ? name : "-" + name;
  const std::string near = nearest_name(as_long, long_names(app));
  return near.empty() ? std::string() : "did you mean '" + near + "'?";
}

/// Whether a subcommand of `app` has the option `name`: given before the subcommand's name
/// (as GDAL's programs allow --config anywhere), it went to the program instead.
bool subcommand_option(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_option_no_throw(name)) return true;
  return false;
}

std::string unknown_option(CLI::App& app, const std::string& word) {
  const std::string name = word.substr(0, word.find('='));
  const std::string head = "unknown option '" + name + "' for '" + display(app) + "'";
  if (!app.get_parent() && subcommand_option(app, name))
    return head + "; it is an option of the subcommands: give it after the subcommand's name, as in 'minerisk run " +
           name + "'";
  const std::string hint = option_hint(app, name);
  const std::string pointer = "run '" + help_of(app) + "' for its options";
  return hint.empty() ? head + "; " + pointer : head + "; " + with_pointer(hint, pointer);
}

std::string unknown_subcommand(const CLI::App& app, const std::string& word) {
  const std::string hint = suggestion(word, subcommand_names(app), "the subcommands");
  return with_pointer("unknown subcommand '" + word + "'; " + hint, "run 'minerisk --help' for the subcommands");
}

/// Whether every option in `word` is known to `app`; sets `skip` to the words its values take.
bool known_option_word(CLI::App& app, const std::string& word, size_t& skip) {
  skip = 0;
  if (word.rfind("--", 0) == 0) {
    const size_t equals = word.find('=');
    const CLI::Option* option = find_option(app, word.substr(0, equals));
    if (option) skip = values_after(*option, equals != std::string::npos);
    return option != nullptr;
  }
  // -abc: flags a, b and c, or a flag a and an option b with the value "c".
  for (size_t k = 1; k < word.size(); ++k) {
    const CLI::Option* option = find_option(app, std::string("-") + word[k]);
    if (!option) return false;
    if (option->get_items_expected_min() > 0) {
      skip = values_after(*option, k + 1 < word.size());
      return true;
    }
  }
  return true;
}

std::string positional_names(const CLI::App& app) {
  std::string names;
  for (const CLI::Option* option : app.get_options())
    if (option->get_positional()) names += (names.empty() ? "" : ", ") + option->get_name(true);
  return names;
}

std::string lower_first(std::string text) {
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      !std::isupper(static_cast<unsigned char>(text[1])))
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// CLI11's "Value -1 not in range 1.000000 to 10.000000" (also for a value that is no number),
// in the words of the project's other messages: "'-1' is not a number from 1 to 10". Found with
// find, not a regular expression: libstdc++'s recursive matcher overflows the stack on the long
// messages CLI11 makes of thousands of stray arguments.
std::string range_message_in_project_words(const std::string& message) {
  const std::string value = "Value ", range = " not in range ", to = " to ";
  const size_t v = message.find(value), n = v == std::string::npos ? v : message.find(range, v);
  const size_t t = n == std::string::npos ? n : message.find(to, n + range.size());
  if (t == std::string::npos) return message;
  const size_t high_end = message.find_first_of(" ;", t + to.size());
  const auto plain = [](std::string number) {  // 1.500000 -> 1.5, 10.000000 -> 10
    if (number.find('.') == std::string::npos) return number;
    number.erase(number.find_last_not_of('0') + 1);
    if (!number.empty() && number.back() == '.') number.pop_back();
    return number;
  };
  const std::string low = message.substr(n + range.size(), t - n - range.size());
  const std::string high = message.substr(t + to.size(), high_end == std::string::npos ? std::string::npos : high_end - t - to.size());
  return message.substr(0, v) + "'" + message.substr(v + value.size(), n - v - value.size()) +
         "' is not a number from " + plain(low) + " to " + plain(high) +
         (high_end == std::string::npos ? "" : message.substr(high_end));
}

// CLI11's other wordings, in the project's: "could not convert: --values = abc" is "--values:
// 'abc' is not a number" (and of a whole number, "is out of range"); "--threads: At Most 1 required but received 2" is "--threads is
// given 2 times; give it once"; "--extent: At least 4 required but received 3" is "--extent
// takes 4 values, not 3"; "--values: 1 required FLOAT missing" is "--values needs a value".
std::string count_message_in_project_words(const std::string& message) {
  const std::string convert = "could not convert: ", equals = " = ";
  if (message.rfind(convert, 0) == 0) {
    const size_t e = message.find(equals, convert.size());
    if (e != std::string::npos) {
      // A whole number CLI11 could not convert is one beyond the option's type (--threads
      // 2147483648): a number, out of range.
      const std::string text = message.substr(e + equals.size());
      const size_t sign = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
      const bool whole = text.size() > sign && text.find_first_not_of("0123456789", sign) == std::string::npos;
      return message.substr(convert.size(), e - convert.size()) + ": '" + text + "' is " +
             (whole ? "out of range" : "not a number");
    }
  }
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return message;
  const std::string name = message.substr(0, colon), rest = message.substr(colon + 2);
  const std::string at_most = "At Most ", at_least = "At least ", required = " required but received ";
  for (const std::string& bound : {at_most, at_least}) {
    const size_t r = rest.find(required);
    if (rest.rfind(bound, 0) != 0 || r == std::string::npos) continue;
    const std::string wanted = rest.substr(bound.size(), r - bound.size()), got = rest.substr(r + required.size());
    if (bound == at_most && wanted == "1") return name + " is given " + got + " times; give it once";
    return name + " takes " + (bound == at_most ? "at most " : "") + wanted + " values, not " + got;
  }
  if (rest.size() > 8 && rest.compare(rest.size() - 8, 8, " missing") == 0 && rest.find(" required ") != std::string::npos)
    return name + " needs a value";
  return message;
}

}  // namespace

std::string parse_error_message(CLI::App& app, const std::vector<std::string>& args, const CLI::ParseError& error) {
  CLI::App* sub = nullptr;
  size_t i = 0, skip = 0;
  for (; i < args.size() && !sub; ++i) {
    if (args[i] == "--") break;
    if (is_option_word(args[i])) {
      if (!known_option_word(app, args[i], skip)) return unknown_option(app, args[i]);
      i += skip;
      continue;
    }
    for (CLI::App* candidate : app.get_subcommands([](CLI::App*) { return true; }))
      if (candidate->get_name() == args[i]) sub = candidate;
    if (!sub) return unknown_subcommand(app, args[i]);
  }
  if (!sub) return lower_first(error.what()) + "; run 'minerisk --help' for the subcommands";

  for (; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (!is_option_word(args[i])) continue;
    if (!known_option_word(*sub, args[i], skip)) return unknown_option(*sub, args[i]);
    i += skip;
  }
  std::string message = count_message_in_project_words(range_message_in_project_words(lower_first(error.what())));
  if (dynamic_cast<const CLI::ExtrasError*>(&error))
    message += " ('" + display(*sub) + "' takes " + positional_names(*sub) + ")";
  return message + "; run '" + help_of(*sub) + "' for usage";
}

}  // namespace minerisk::cli
