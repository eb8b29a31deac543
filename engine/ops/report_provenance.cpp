// The report's provenance and changes sections: what the grid was computed from (its inputs
// with their SHA-256 and sizes, the scenario, minerisk's version, the dates, the history, the
// run id), read from the grid's own attributes; and, from its update record, what each run and
// update changed, the last one first.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "minerisk/engine/update_record.hpp"
#include "report_parts.hpp"

namespace minerisk::ops::report_parts {
namespace {

using json = nlohmann::json;

std::string code(const std::string& text) { return "<code>" + escape(text) + "</code>"; }

std::string text_of(const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string bytes_text(double bytes) {
  if (bytes < 1024) return number(bytes, 6) + " B";
  if (bytes < 1024.0 * 1024) return number(bytes / 1024, 3) + " KiB";
  if (bytes < 1024.0 * 1024 * 1024) return number(bytes / 1024 / 1024, 3) + " MiB";
  return number(bytes / 1024 / 1024 / 1024, 3) + " GiB";
}

std::string inputs_table(const std::string& inputs) {
  json list;
  try {
    list = json::parse(inputs);
  } catch (const json::exception&) {
    return "<p class=\"note\">The grid's list of inputs is not readable JSON; it is shown as stored:</p><pre>" +
           escape(inputs) + "</pre>\n";
  }
  if (!list.is_array() || list.empty()) return "<p>The grid lists no input file.</p>\n";
  std::string out = "<div class=\"scroll\"><table id=\"inputs-table\"><thead><tr><th scope=\"col\">Role</th>"
                    "<th scope=\"col\">Path</th><th scope=\"col\" class=\"num\">Size</th><th scope=\"col\">SHA-256</th>"
                    "</tr></thead>\n<tbody>\n";
  for (const json& f : list) {
    if (!f.is_object()) continue;
    const std::string sha = text_of(f, "sha256");
    out += "<tr><td>" + escape(text_of(f, "role")) + "</td><td>" + code(text_of(f, "path")) + "</td><td class=\"num\">" +
           (f.contains("size") && f["size"].is_number() ? bytes_text(f["size"].get<double>()) : number(NAN)) +
           "</td><td>" + (sha.empty() ? "(not a plain file)" : code(sha)) + "</td></tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

// A change's inputs: a list of names, or a table of name to tiles.
std::string inputs_changed(const json& changed) {
  if (changed.is_null()) return "";
  std::string out;
  auto add = [&](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
  if (changed.is_array())
    for (const json& v : changed) add(v.is_string() ? v.get<std::string>() : v.dump());
  else if (changed.is_object())
    for (const auto& [name, v] : changed.items())
      add(name + (v.is_number() ? " (" + v.dump() + " tile" + (v.dump() == "1" ? "" : "s") + ")" : ""));
  else
    add(changed.is_string() ? changed.get<std::string>() : changed.dump());
  return out;
}

}  // namespace

std::string provenance_section(const GridFileReader& reader, const std::filesystem::path& grid) {
  std::vector<std::pair<std::string, std::string>> head = {{"Grid", code(grid.string())}};
  if (!reader.variable().empty()) head.push_back({"Variable shown", code(reader.variable())});
  const auto& gt = reader.grid().frame.geotransform;
  head.push_back({"Cells", std::to_string(reader.grid().width()) + " \xC3\x97 " + std::to_string(reader.grid().height()) +
                               " of " + number(gt[1], 6) + " \xC3\x97 " + number(-gt[5], 6) + " (CRS units)"});
  const std::pair<const char*, const char*> attributes[] = {
      {"minerisk_version", "minerisk version"}, {"date_created", "Created (UTC)"}, {"run_id", "Run id"},
      {"Conventions", "Conventions"}};
  for (const auto& [name, label] : attributes) {
    const std::string v = reader.attribute(name);
    if (!v.empty()) head.push_back({label, escape(v)});
  }
  std::string out = facts(head);
  if (reader.scenario_toml().empty() && reader.attribute("inputs").empty())
    return out + "<p class=\"note\">This grid was not written by minerisk: it records no inputs or scenario.</p>\n";
  out += "<h3>Inputs</h3>\n" + inputs_table(reader.attribute("inputs"));
  const std::string history = reader.attribute("history");
  if (!history.empty()) out += "<h3>History</h3>\n<pre id=\"history\">" + escape(history) + "</pre>\n";
  if (!reader.scenario_toml().empty())
    out += "<details id=\"scenario\"><summary>The scenario, as resolved and stored in the grid (TOML)</summary><pre>" +
           escape(reader.scenario_toml()) + "</pre></details>\n";
  return out;
}

std::string changes_section(const std::filesystem::path& grid, bool& updated) {
  updated = false;
  std::string why;
  bool damaged = false;
  const std::optional<UpdateRecord> record = read_update_record(grid, why, &damaged);
  if (!record) {
    if (!damaged) return "";
    return "<p class=\"note\">The grid's update record cannot be read (" + escape(why) + ").</p>\n";
  }
  const json& changes = record->changes;
  if (!changes.is_array() || changes.empty()) return "";
  for (const json& c : changes)
    if (c.is_object() && text_of(c, "command") == "update") updated = true;
  std::string out;
  const json& last = changes.back();
  if (last.is_object() && text_of(last, "command") == "update") {
    const std::string changed = inputs_changed(last.contains("inputs_changed") ? last["inputs_changed"] : json());
    const std::string full = text_of(last, "full_reason");
    out += "<p id=\"last-change\">Since the previous run: " +
           escape(changed.empty() ? "no input changed" : "changed inputs " + changed) + "; " +
           escape(text_of(last, "tiles_recomputed")) + " of " + escape(text_of(last, "tiles_total")) +
           " tiles recomputed" + (full.empty() ? "" : " (" + escape(full) + ")") + ", on " +
           escape(text_of(last, "date")) + ".</p>\n";
  } else {
    out += "<p>This grid was written by a full run; no update has changed it since.</p>\n";
  }
  out += "<div class=\"scroll\"><table id=\"changes-table\"><thead><tr><th scope=\"col\">Date (UTC)</th>"
         "<th scope=\"col\">Command</th><th scope=\"col\">Inputs changed</th><th scope=\"col\" class=\"num\">"
         "Tiles recomputed</th><th scope=\"col\">Why every tile</th></tr></thead>\n<tbody>\n";
  constexpr size_t kShown = 60;  // the last two months of nightly updates
  const size_t first = changes.size() > kShown ? changes.size() - kShown : 0;
  for (size_t i = changes.size(); i-- > first;) {
    const json& c = changes[i];
    if (!c.is_object()) continue;
    out += "<tr><td>" + escape(text_of(c, "date")) + "</td><td>" + escape(text_of(c, "command")) + "</td><td>" +
           escape(inputs_changed(c.contains("inputs_changed") ? c["inputs_changed"] : json())) +
           "</td><td class=\"num\">" + escape(text_of(c, "tiles_recomputed")) + " / " +
           escape(text_of(c, "tiles_total")) + "</td><td>" + escape(text_of(c, "full_reason")) + "</td></tr>\n";
  }
  out += "</tbody></table></div>\n";
  if (first > 0)
    out += "<p class=\"note\">The " + std::to_string(kShown) + " latest of " + std::to_string(changes.size()) +
           " records.</p>\n";
  return out;
}

}  // namespace minerisk::ops::report_parts
