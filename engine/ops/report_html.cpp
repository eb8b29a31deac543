// The report's page: escaping, numbers, and the frame every section goes into, with its CSS
// (readable on a phone, printable) and its small script (sortable tables). Nothing here refers
// to a file or address outside the page: a content policy in the head forbids any network
// access, so a mistake shows as a console error rather than a silent request.
#include <cmath>
#include <cstdio>
#include <memory>

#include <cpl_conv.h>
#include <cpl_string.h>

#include "minerisk/engine/byte_text.hpp"
#include "report_parts.hpp"

namespace minerisk::ops::report_parts {
namespace {

constexpr const char* kStyle = R"CSS(
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d0d4d9; --band: #f3f5f7; --accent: #8c2d04;
  --c0: #b2182b; --c1: #2166ac; --c2: #1b7837; --c3: #762a83; --c4: #e08214; --c5: #4d4d4d; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 "Noto Sans", "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.2rem; border-bottom: 3px solid var(--accent); }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.subtitle, .note { color: var(--muted); }
.note { font-size: .9rem; }
nav ul { list-style: none; padding: 0; margin: .6rem 0 1rem; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
nav a { color: var(--accent); }
figure { margin: 1rem 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; }
svg.chart { display: block; width: 100%; max-width: 40rem; height: auto; }
svg.chart text { font: 12px "Noto Sans", "DejaVu Sans", sans-serif; fill: var(--ink); }
svg.chart .axis { stroke: var(--ink); stroke-width: 1; fill: none; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .zero { stroke: var(--muted); stroke-dasharray: 2 3; }
svg.chart .series { fill: none; stroke-width: 2.2; }
svg.chart .dashed { stroke-dasharray: 6 4; stroke-width: 1.6; }
svg.chart .bar { fill: var(--c1); }
.s0 { stroke: var(--c0); fill: var(--c0); } .s1 { stroke: var(--c1); fill: var(--c1); }
.s2 { stroke: var(--c2); fill: var(--c2); } .s3 { stroke: var(--c3); fill: var(--c3); }
.s4 { stroke: var(--c4); fill: var(--c4); } .s5 { stroke: var(--c5); fill: var(--c5); }
path.series.s0, path.series.s1, path.series.s2, path.series.s3, path.series.s4, path.series.s5 { fill: none; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(24rem, 100%), 1fr)); gap: 1rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: .9rem; margin: .5rem 0; }
th, td { padding: .3rem .45rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: var(--band); position: sticky; top: 0; }
th[data-sort] { cursor: pointer; user-select: none; }
th[data-sort]::after { content: " \2195"; color: var(--muted); }
th[aria-sort="ascending"]::after { content: " \25B2"; color: var(--ink); }
th[aria-sort="descending"]::after { content: " \25BC"; color: var(--ink); }
tbody tr:nth-child(even) { background: #fafbfc; }
td[class^="class-"] { white-space: nowrap; }
.class-cancellation { color: #3f6e2a; } .class-technical_survey { color: #9a5b00; } .class-clearance { color: #a50f15; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: "Noto Sans Mono", "DejaVu Sans Mono", monospace; font-size: .85rem; }
pre { background: var(--band); padding: .6rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
td code { overflow-wrap: anywhere; }
details { margin: .6rem 0; } summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 2rem; padding-bottom: 2rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  h1 { font-size: 1.3rem; }
  dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .4rem; }
  th, td { padding: .25rem .35rem; }
  /* The rank stays in view while a wide table scrolls sideways. */
  #areas-table td:first-child { position: sticky; left: 0; background: #fff; }
  #areas-table thead th:first-child { left: 0; z-index: 1; }
}
@media print {
  @page { margin: 15mm; }
  body { font-size: 10.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  nav, .no-print { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, svg.chart, tr, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  thead th { position: static; }
  th[data-sort]::after, th[aria-sort]::after { content: none; }
  .charts { grid-template-columns: repeat(2, 1fr); }
  svg.chart { max-width: 11cm; }
  figure img { max-height: 24cm; width: auto; margin: 0 auto; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  pre { white-space: pre-wrap; }
}
)CSS";

// Sorting: a click on a header with data-sort orders the body's rows by that column's
// data-value (numbers as numbers, empty cells last), again for the other direction.
constexpr const char* kScript = R"JS(
(function () {
  "use strict";
  function value(row, index, numeric) {
    var cell = row.cells[index];
    var text = cell ? (cell.getAttribute("data-value") || cell.textContent) : "";
    if (!numeric) return text.toLowerCase();
    var v = parseFloat(text);
    return isNaN(v) ? null : v;
  }
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.cells, th);
    var numeric = th.getAttribute("data-sort") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, index, numeric), y = value(b, index, numeric);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.setAttribute("tabindex", "0");
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });
})();
)JS";

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\t':
      case '\n':
      case '\r': out += c; break;
      default:
        // A UTF-8 character as it is; a control character (a BEL in a --title) or a byte of no
        // UTF-8 character (a Latin-1 file name), which a UTF-8 page may not hold, as \xNN, as
        // the command line's messages show them.
        i += append_visible_character(text, i, out);
        continue;
    }
    ++i;
  }
  return out;
}

std::string number(double v, int digits) {
  if (std::isnan(v)) return "\xE2\x80\x93";  // an en dash
  if (std::isinf(v)) return v > 0 ? "\xE2\x88\x9E" : "\xE2\x88\x92\xE2\x88\x9E";
  char text[48];
  const double a = std::fabs(v);
  if (a != 0 && (a < 1e-4 || a >= 1e9)) std::snprintf(text, sizeof text, "%.*e", digits - 1, v);
  else if (a >= std::pow(10.0, digits)) std::snprintf(text, sizeof text, "%.0f", v);
  else std::snprintf(text, sizeof text, "%.*g", digits, v);
  return text;
}

std::string percent(double share, int digits) {
  if (std::isnan(share)) return number(share);
  return number(100 * share, digits) + "\xC2\xA0%";
}

std::string base64(const std::string& bytes) {
  if (bytes.empty()) return "";
  std::unique_ptr<char, decltype(&CPLFree)> text(
      CPLBase64Encode(static_cast<int>(bytes.size()), reinterpret_cast<const GByte*>(bytes.data())), &CPLFree);
  return text ? std::string(text.get()) : std::string();
}

std::string facts(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out = "<dl class=\"facts\">";
  for (const auto& [term, value] : rows) out += "<dt>" + escape(term) + "</dt><dd>" + value + "</dd>";
  return out + "</dl>\n";
}

std::string page(const std::string& title, const std::string& subtitle, const std::vector<Section>& sections) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
      "<meta name=\"generator\" content=\"minerisk report\">\n<title>" +
      escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<header>\n<h1>" + escape(title) +
      "</h1>\n<p class=\"subtitle\">" + escape(subtitle) + "</p>\n<nav aria-label=\"Contents\"><ul>";
  for (const Section& s : sections) out += "<li><a href=\"#" + s.id + "\">" + escape(s.heading) + "</a></li>";
  out += "</ul></nav>\n</header>\n<main>\n";
  for (const Section& s : sections)
    out += "<section id=\"" + s.id + "\">\n<h2>" + escape(s.heading) + "</h2>\n" + s.body + "</section>\n";
  out += "</main>\n<footer><p>Written by minerisk report. The probabilities are a model's estimates from the "
         "evidence listed under Provenance; they support, and do not replace, survey and clearance to IMAS "
         "standards. This file needs no network: print it from the browser for paper or PDF.</p></footer>\n<script>" +
         std::string(kScript) + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace minerisk::ops::report_parts
