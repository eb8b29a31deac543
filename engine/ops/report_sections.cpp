// The report's validation and uncertainty sections: the figures of `minerisk evaluate`'s JSON
// with the capture curve beside a random ranking's (and any baselines the file holds), and a
// sweep's spread (sd) and exceedance shares, summarised and as histograms.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "report_parts.hpp"

namespace minerisk::ops::report_parts {
namespace {

using json = nlohmann::ordered_json;  // the file's order: capture at 1, 5, 10, 20 %

double number_of(const json& j, const std::string& key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

std::string text_of(const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The evaluation's truth: its file, and the layer and filter of its items when given.
std::string truth_named(const json& j) {
  std::string text = "<code>" + escape(text_of(j, "truth")) + "</code>";
  if (const std::string layer = text_of(j, "truth_layer"); !layer.empty()) text += ", layer <code>" + escape(layer) + "</code>";
  if (const std::string where = text_of(j, "truth_where"); !where.empty()) text += ", where <code>" + escape(where) + "</code>";
  return text;
}

// A capture curve at 0, 1, ..., 100 % of the area, as (percent of area, percent of items).
std::vector<std::pair<double, double>> curve_points(const json& values) {
  std::vector<std::pair<double, double>> points;
  if (!values.is_array() || values.size() < 2) return points;
  const double last = static_cast<double>(values.size() - 1);
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].is_number()) points.push_back({100.0 * static_cast<double>(i) / last, 100.0 * values[i].get<double>()});
  return points;
}

// Summary statistics of a variable's cells with data.
struct Summary {
  size_t cells = 0;
  double mean = NAN, median = NAN, p95 = NAN, max = NAN;
};

Summary summarise(std::vector<float> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); }), values.end());
  Summary s;
  s.cells = values.size();
  if (values.empty()) return s;
  double sum = 0;
  for (float v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  auto at = [&](double q) {
    const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return static_cast<double>(values[k]);
  };
  s.median = at(0.5);
  s.p95 = at(0.95);
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

const char* const kGiveAnEvaluation = "give the JSON 'minerisk evaluate GRID --truth ... -o EVAL.json' writes";

// A value as the message quotes it: short, and printable (a binary file's bytes are not).
std::string quoted(const json& value) {
  std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return text;
}

// The evaluation's figures are what evaluate writes, and of the grid reported: a hand-edited or
// another grid's file would show its numbers as this grid's skill.
void check_evaluation(const json& j, const std::string& what, const std::filesystem::path& grid,
                      const std::string& run_id, const std::string& variable) {
  const auto refuse = [&](const std::string& key, const json& value, const std::string& should) {
    throw UserError(what + ": '" + key + "' is " + quoted(value) + ", not " + should + "; " + kGiveAnEvaluation);
  };
  const auto share = [](const json& v) { return v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 1; };
  static const json kNull;
  // A key left out reads as null (operator[] of a const json is undefined for a missing key).
  const auto at = [&](const char* key) -> const json& {
    const auto it = j.find(key);
    return it == j.end() ? kNull : *it;
  };
  for (const char* key : {"roc_auc", "pr_auc"})
    if (!at(key).is_null() && !share(at(key))) refuse(key, at(key), "a number in [0, 1] (or null)");
  const json& curve = at("capture_curve_percent_area");
  // A capture curve rises from 0 (no area, no item) to 1 (the whole area holds every item scored;
  // a share of fractional counts summed in another order may miss 1 in the last bits).
  if (!curve.is_array() || curve.size() < 2 || !std::all_of(curve.begin(), curve.end(), share) ||
      curve.front().get<double>() != 0 || !(std::abs(curve.back().get<double>() - 1) <= 1e-9) ||
      std::adjacent_find(curve.begin(), curve.end(), [](const json& a, const json& b) {
        return b.get<double>() < a.get<double>();
      }) != curve.end())
    refuse("capture_curve_percent_area", curve, "an array of shares rising from 0 to 1");
  if (j.contains("capture_at_area")) {
    const json& capture = j["capture_at_area"];
    if (!capture.is_object()) refuse("capture_at_area", capture, "an object of shares");
    for (const auto& [area, value] : capture.items()) {
      // evaluate's keys are shares of the area, "1%" to "100%": the report prints them as such.
      char* end = nullptr;
      const double percent_of_area = std::strtod(area.c_str(), &end);
      if (area.empty() || std::string(end) != "%" || !(percent_of_area > 0 && percent_of_area <= 100))
        refuse("capture_at_area", json(area), "keyed by shares of the area above \"0%\", up to \"100%\"");
      if (!value.is_null() && !share(value)) refuse("capture_at_area." + area, value, "a share in [0, 1]");
    }
  }
  // Counts as evaluate writes them: finite, 0 or more (not -0), the cells whole numbers, and
  // the positive and negative cells among the cells.
  const auto count = [](const json& v) {
    return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0 && !std::signbit(v.get<double>());
  };
  const auto whole = [&](const json& v) {
    return count(v) && v.get<double>() == std::floor(v.get<double>()) && v.get<double>() <= 9007199254740992.0;
  };
  for (const char* key : {"true_items", "mean_false_alarms_above_each_item"})
    if (!at(key).is_null() && !count(at(key))) refuse(key, at(key), "a count of 0 or more");
  for (const char* key : {"cells", "positive_cells", "negative_cells"}) {
    if (!at(key).is_null() && !whole(at(key))) refuse(key, at(key), "a whole count of cells, 0 or more");
    if (std::string(key) != "cells" && !at(key).is_null() && !at("cells").is_null() &&
        at(key).get<double>() > at("cells").get<double>())
      refuse(key, at(key), "at most the cells scored (" + quoted(at("cells")) + ")");
  }
  for (const char* key : {"grid", "grid_file", "grid_sha256", "variable", "truth", "run_id"})
    if (!at(key).is_null() && !at(key).is_string()) refuse(key, at(key), "a text");
  if (!at("baselines").is_null() && !at("baselines").is_object()) refuse("baselines", at("baselines"), "an object");
  const std::string scored = at("run_id").is_string() ? at("run_id").get<std::string>() : "";
  if (!scored.empty() && !run_id.empty() && scored != run_id)
    throw UserError(what + " scores another grid (run_id " + scored + "; this grid's is " + run_id +
                    "); evaluate this grid: minerisk evaluate GRID --truth ... -o EVAL.json");
  // Without both run ids (another program's raster): by the bytes evaluated (a copy of the grid
  // is the same grid; one rewritten since is not), or, from an evaluation that has no hash, by
  // the file, when it still stands.
  if (scored.empty() || run_id.empty()) {
    const std::string scored_file = at("grid_file").is_string() ? at("grid_file").get<std::string>() : "";
    const std::string scored_sha256 = at("grid_sha256").is_string() ? at("grid_sha256").get<std::string>() : "";
    const std::filesystem::path file = local_file(grid.string());
    std::error_code error;
    if (!scored_sha256.empty() && stat_file(file)) {
      if (sha256_file(file) != scored_sha256)
        throw UserError(what + " scores other values than this grid's (another file, or this one written again "
                        "since; its SHA-256 differs); evaluate this grid: minerisk evaluate GRID --truth ... -o EVAL.json");
    } else if (!scored_file.empty() && std::filesystem::exists(scored_file, error) &&
               !same_local_file(scored_file, grid.string())) {
      throw UserError(what + " scores another grid (" + scored_file +
                      "); evaluate this grid: minerisk evaluate GRID --truth ... -o EVAL.json");
    }
  }
  // A sweep's file holds several variables under one run_id: p95's skill is not mean's.
  const std::string scored_variable = at("variable").is_string() ? at("variable").get<std::string>() : "";
  if (!scored.empty() && !scored_variable.empty() && !variable.empty() && scored_variable != variable)
    throw UserError(what + " scores the variable '" + scored_variable + "' and the report maps '" + variable +
                    "'; evaluate that variable (minerisk evaluate GRID --variable " + variable +
                    " ...) or map the one evaluated (--variable " + scored_variable + ")");
}

}  // namespace

std::string validation_section(const std::filesystem::path& evaluation, const std::filesystem::path& grid,
                               const std::string& run_id, const std::string& variable) {
  const std::string what = "--evaluation: '" + evaluation.string() + "'";
  std::error_code ec;
  if (std::filesystem::is_directory(evaluation, ec))
    throw UserError(what + " is a folder; " + kGiveAnEvaluation);
  require_input_file(evaluation, "--evaluation");  // before the open: a fifo would hold it for ever
  std::ifstream in(evaluation, std::ios::binary);
  if (!in) throw UserError(what + " cannot be read; " + kGiveAnEvaluation);
  std::stringstream buffer;
  buffer << in.rdbuf();
  json j;
  try {
    j = json::parse(buffer.str());
  } catch (const json::exception& e) {
    std::string why = e.what();  // which may quote a byte of a binary file
    for (char& c : why)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    throw UserError(what + " is not JSON (" + why + "); " + kGiveAnEvaluation);
  }
  if (!j.is_object() || !j.contains("roc_auc") || !j.contains("capture_curve_percent_area"))
    throw UserError(what + " is JSON but not an evaluation (no 'roc_auc' or 'capture_curve_percent_area'); " +
                    kGiveAnEvaluation);
  check_evaluation(j, what, grid, run_id, variable);
  const double cells = number_of(j, "cells"), positives = number_of(j, "positive_cells");
  const double base_rate = cells > 0 ? positives / cells : NAN;
  std::string out = facts({{"Grid evaluated", "<code>" + escape(text_of(j, "grid")) + "</code>"},
                           {"Variable", escape(text_of(j, "variable"))},
                           {"Truth", truth_named(j)},
                           {"Cells scored", number(cells, 10)},
                           {"Cells with true items", number(positives, 10)},
                           {"True items", number(number_of(j, "true_items"), 10)}});
  // The figures, with the random ranking's beside them: what any map would score by chance.
  const json baselines = j.contains("baselines") && j["baselines"].is_object() ? j["baselines"] : json::object();
  out += "<div class=\"scroll\"><table id=\"validation-table\"><thead><tr><th scope=\"col\">Measure</th>"
         "<th scope=\"col\" class=\"num\">This grid</th><th scope=\"col\" class=\"num\">Random ranking</th>";
  for (const auto& [name, b] : baselines.items()) out += "<th scope=\"col\" class=\"num\">" + escape(name) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  auto row = [&](const std::string& label, const std::string& value, const std::string& random,
                 const std::function<std::string(const json&)>& of_baseline) {
    out += "<tr><td>" + escape(label) + "</td><td class=\"num\">" + value + "</td><td class=\"num\">" + random + "</td>";
    for (const auto& [name, b] : baselines.items()) out += "<td class=\"num\">" + of_baseline(b) + "</td>";
    out += "</tr>\n";
  };
  row("ROC-AUC", number(number_of(j, "roc_auc"), 3), "0.5", [](const json& b) { return number(number_of(b, "roc_auc"), 3); });
  row("PR-AUC (average precision)", number(number_of(j, "pr_auc"), 3), number(base_rate, 3),
      [](const json& b) { return number(number_of(b, "pr_auc"), 3); });
  if (j.contains("capture_at_area") && j["capture_at_area"].is_object())
    for (const auto& item : j["capture_at_area"].items()) {
      // Named copies: clang 14 cannot capture a structured binding in the lambda below.
      const std::string area = item.key();
      const json& share = item.value();
      const double a = std::strtod(area.c_str(), nullptr) / 100;
      row("True items captured in the top " + area + " of the area",
          share.is_number() ? percent(share.get<double>()) : number(NAN), percent(a), [&](const json& b) {
            const json* c = b.contains("capture_at_area") ? &b["capture_at_area"] : nullptr;
            return c && c->contains(area) && (*c)[area].is_number() ? percent((*c)[area].get<double>()) : number(NAN);
          });
    }
  row("Mean false alarms ranked above each item", number(number_of(j, "mean_false_alarms_above_each_item"), 4),
      number(number_of(j, "negative_cells") / 2, 4),
      [](const json& b) { return number(number_of(b, "mean_false_alarms_above_each_item"), 4); });
  out += "</tbody></table></div>\n";
  Chart chart;
  chart.title = "Capture curve";
  chart.x_label = "share of the area, highest probability first (%)";
  chart.y_label = "true items captured (%)";
  chart.zero_line = false;
  chart.legend_bottom_right = true;  // clear of a curve that rises to the top left
  chart.series.push_back({"this grid", curve_points(j["capture_curve_percent_area"]), 0, false, false});
  int colour = 2;
  for (const auto& [name, b] : baselines.items())
    if (b.contains("capture_curve_percent_area"))
      chart.series.push_back({name, curve_points(b["capture_curve_percent_area"]), colour++, true, false});
  chart.series.push_back({"random ranking", {{0, 0}, {100, 100}}, 5, true, false});
  out += "<figure>" + line_chart(chart) +
         "<figcaption>The share of true items in the cells ranked highest, against the share of the area; the "
         "diagonal is what a random ranking captures.</figcaption></figure>\n";
  return out;
}

std::string uncertainty_section(const GridFileReader& reader) {
  if (!reader.has_variable("sd")) return "";
  std::vector<std::string> exceedance;
  for (const std::string& v : reader.variables())
    if (v.rfind("probability_above_", 0) == 0) exceedance.push_back(v);
  const std::vector<float> sd = reader.read("sd");
  const Summary s = summarise(sd);
  std::string out =
      "<p>This grid is a sweep: the model run over many scenarios (parameters drawn or stepped, inputs perturbed). "
      "The map shows the mean probability across them; the spread below says how much it moves.</p>\n"
      "<div class=\"scroll\"><table id=\"uncertainty-table\"><thead><tr><th scope=\"col\">Variable</th>"
      "<th scope=\"col\" class=\"num\">Mean</th><th scope=\"col\" class=\"num\">Median</th><th scope=\"col\" "
      "class=\"num\">95th percentile</th><th scope=\"col\" class=\"num\">Largest</th><th scope=\"col\" "
      "class=\"num\">Cells</th></tr></thead>\n<tbody>\n";
  auto row = [&](const std::string& name, const std::string& meaning, const Summary& v) {
    out += "<tr><td><code>" + escape(name) + "</code><br><span class=\"note\">" + escape(meaning) +
           "</span></td><td class=\"num\">" + number(v.mean, 3) + "</td><td class=\"num\">" + number(v.median, 3) +
           "</td><td class=\"num\">" + number(v.p95, 3) + "</td><td class=\"num\">" + number(v.max, 3) +
           "</td><td class=\"num\">" + std::to_string(v.cells) + "</td></tr>\n";
  };
  row("sd", "standard deviation of the probability across scenarios", s);
  std::string charts = "<figure>" + histogram(sd, 30, "Standard deviation of the probability", "sd") + "</figure>";
  for (const std::string& name : exceedance) {
    const std::vector<float> share = reader.read(name);
    // The variable's name spells the threshold for CF (0.5 as 0p5, 1e-05 as 1em05): read back.
    std::string threshold = name.substr(std::string("probability_above_").size());
    std::replace(threshold.begin(), threshold.end(), 'p', '.');
    std::replace(threshold.begin(), threshold.end(), 'm', '-');
    row(name, "share of scenarios in which the probability exceeds " + threshold, summarise(share));
    charts += "<figure>" + histogram(share, 20, "Share of scenarios above " + threshold, "share of scenarios") + "</figure>";
  }
  out += "</tbody></table></div>\n<div class=\"charts\">" + charts + "</div>\n";
  return out;
}

}  // namespace minerisk::ops::report_parts
