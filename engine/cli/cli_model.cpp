// Reading the CLI11 tree into plain data (cli_model.hpp).
#include "cli_model.hpp"

#include <algorithm>
#include <cctype>

#include "choices.hpp"

namespace minerisk::cli {
namespace {

// CLI11's names for a value's type; an option with one of these is shown by its own name
// ("--output OUTPUT"), one with a name of its own by that ("--config KEY VALUE").
bool generic_type(const std::string& type) {
  static const std::vector<std::string> generic = {"TEXT", "INT", "UINT", "FLOAT", "NUMBER", "BOOLEAN", "ENUM"};
  return std::find(generic.begin(), generic.end(), type) != generic.end();
}

std::string upper_name(std::string name) {
  for (char& ch : name) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

OptionModel model_of(CLI::Option& option) {
  OptionModel m;
  m.positional = option.get_positional() && !option.nonpositional();
  for (const std::string& s : option.get_snames()) m.names.push_back("-" + s);
  for (const std::string& l : option.get_lnames()) m.names.push_back("--" + l);
  if (m.positional) m.names = {option.get_name(true)};
  m.values = std::max(0, option.get_items_expected_min());
  m.help = option.get_description();
  m.choices = choices_of(option);
  m.required = option.get_required();
  std::string type = option.get_type_name();
  type = type.substr(0, type.find(':'));
  const std::string name = m.positional ? m.names.front() : m.names.back();
  if (m.values > 0 && (type == "INT" || type == "UINT"))
    m.value = "N";  // a count, as GDAL's and minerisk's documents write it
  else if (m.values > 0)
    m.value = generic_type(type) ? upper_name(name.substr(name.find_first_not_of('-'))) : type;
  m.path = m.values > 0 && type == "TEXT" && m.choices.empty();
  return m;
}

std::vector<OptionModel> options_of(CLI::App& app, bool positional) {
  std::vector<OptionModel> list;
  for (CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    OptionModel m = model_of(*option);
    if (m.positional == positional) list.push_back(std::move(m));
  }
  return list;
}

}  // namespace

ProgramModel model_of(CLI::App& app) {
  ProgramModel p;
  p.name = app.get_name();
  const std::string text = app.get_description();
  const size_t line_end = std::min(text.find('\n'), text.size());
  p.summary = text.substr(0, line_end);
  if (p.summary.rfind(p.name + ": ", 0) == 0) p.summary = p.summary.substr(p.name.size() + 2);
  if (!p.summary.empty() && p.summary.back() == '.') p.summary.pop_back();
  p.description = line_end < text.size() ? text.substr(line_end + 1) : std::string();
  p.footer = app.get_footer();
  p.options = options_of(app, false);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden
    p.commands.push_back({sub->get_name(), sub->get_description(), sub->get_footer(), options_of(*sub, true),
                          options_of(*sub, false)});
  }
  return p;
}

bool is_shared(const OptionModel& option, const std::vector<OptionModel>& shared) {
  return std::any_of(shared.begin(), shared.end(), [&](const OptionModel& s) { return s.names == option.names; });
}

std::vector<OptionModel> shared_options(const ProgramModel& program) {
  std::vector<OptionModel> shared;
  if (program.commands.empty()) return shared;
  for (const OptionModel& option : program.commands.front().options) {
    const bool everywhere = std::all_of(program.commands.begin(), program.commands.end(), [&](const CommandModel& c) {
      return std::any_of(c.options.begin(), c.options.end(),
                         [&](const OptionModel& o) { return o.names == option.names && o.help == option.help; });
    });
    if (everywhere) shared.push_back(option);
  }
  return shared;
}

}  // namespace minerisk::cli
