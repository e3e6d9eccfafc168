#include "sim/report/sensitivity_report_html.h"

#include <fmt/format.h>

#include <vector>

#include "sim/report/chartjs_script.h"
#include "sim/report/report_html_common.h"
#include "sim/version.h"

namespace lvsim {

namespace {

using Json = nlohmann::ordered_json;
using report_html::colour;
using report_html::escape_html;
using report_html::kPalette;

// Draws every chart from its JSON config (no animation: a screenshot at any time shows the final
// state), then reports "ok N charts" or the empty plot in #lvsim-status.
const char* const kPageScript = R"JS(
(function () {
  'use strict';
  var charts = [];
  document.querySelectorAll('canvas[data-lvsim-chart]').forEach(function (canvas) {
    var config = JSON.parse(document.getElementById(canvas.getAttribute('data-lvsim-chart')).textContent);
    charts.push(new Chart(canvas, config));
  });
  if (window.lvsimErrors.length) return;  // the error hook has already reported it
  var empty = charts.filter(function (c) { return !c.data.labels.length; }).map(function (c) { return c.canvas.id; });
  document.getElementById('lvsim-status').textContent =
      empty.length ? 'error: empty plot ' + empty.join(', ') : 'ok ' + charts.length + ' charts';
})();
)JS";

std::string pct(const Json& x) {
  return fmt::format("{:.2f}", 100 * x.get<double>());
}

/// The bar label of a row: the layer's name, "bit b", or "all layers".
std::string bar_label(const Json& r) {
  if (r["scope"] == "bit") return "bit " + std::to_string(r["bit"].get<int>());
  if (r["scope"] == "all") return "all layers";
  return r["layer"].get<std::string>();
}

/// A bar chart of the rows of `scope` (and the all-layers reference first): mean accuracy drop and
/// mean RErr increase, in percentage points.
Json bar_chart(const Json& doc, const char* scope, const char* x_title) {
  Json labels = Json::array(), drop = Json::array(), rerr = Json::array();
  for (const Json& r : doc["rows"]) {
    if (r["scope"] != scope && r["scope"] != "all") continue;
    labels.push_back(bar_label(r));
    drop.push_back(100 * r["accuracy_drop_mean"].get<double>());
    rerr.push_back(100 * r["robust_error_increase_mean"].get<double>());
  }
  auto dataset = [](const char* label, Json data, report_html::Rgb c) {
    return Json{{"label", label}, {"data", std::move(data)}, {"backgroundColor", colour(c, 0.85)}};
  };
  Json axis_x = {{"title", {{"display", true}, {"text", x_title}}}};
  Json axis_y = {{"beginAtZero", true}, {"title", {{"display", true}, {"text", "percentage points"}}}};
  return {{"type", "bar"},
          {"data",
           {{"labels", labels},
            {"datasets",
             Json::array({dataset("accuracy drop, mean over chips", drop, kPalette[0]),
                          dataset("RErr increase over the clean error, mean over chips", rerr, kPalette[1])})}}},
          {"options",
           {{"animation", false},
            {"responsive", true},
            {"maintainAspectRatio", false},
            {"scales", {{"x", axis_x}, {"y", axis_y}}},
            {"plugins", {{"legend", {{"position", "bottom"}}}}}}}};
}

std::string figure(const std::string& id, const Json& chart, const std::string& caption) {
  return fmt::format(
      "<figure><div class=\"chart\"><canvas id=\"{0}\" data-lvsim-chart=\"{0}-config\"></canvas></div>\n"
      "<script type=\"application/json\" id=\"{0}-config\">{1}</script>\n<figcaption>{2}</figcaption></figure>\n",
      id, report_html::script_json(chart), caption);
}

bool has_scope(const Json& doc, const char* scope) {
  for (const Json& r : doc["rows"])
    if (r["scope"] == scope) return true;
  return false;
}

std::string header(const Json& d) {
  const bool volts = d["axis"] == "v_sram_v";
  const std::string at =
      volts ? fmt::format("V_sram = {} V", d["v_sram_v"].get<double>()) : fmt::format("p = {}", d["ber"].get<double>());
  std::string seeds;
  for (const Json& s : d["chips"]) seeds += (seeds.empty() ? "" : ", ") + s.dump();
  return fmt::format(
      "<h1>Sensitivity map: {}</h1>\n<dl class=\"params\"><dt>operating point</dt><dd>{} ({} faults)</dd>"
      "<dt>hardware</dt><dd>{}, technology {}, ECC {}</dd><dt>test set</dt><dd>{} images of {}, mode {}</dd>"
      "<dt>chips</dt><dd>{} (seeds {})</dd><dt>clean accuracy</dt><dd>{} %</dd></dl>\n"
      "<p class=\"note\">Each bar: the chips' faults kept only in that layer's stored weights (or in that bit "
      "position of every layer's patterns), the rest read back clean; the same chips and fault maps as the "
      "all-layers bar. Drop = clean accuracy − mean accuracy over the chips; RErr = images wrong clean or "
      "with the faults.</p>\n",
      escape_html(d["network"].get<std::string>()), escape_html(at), escape_html(d["fault_model"].get<std::string>()),
      escape_html(d["architecture"].get<std::string>()), escape_html(d["technology"].get<std::string>()),
      escape_html(d["ecc"].get<std::string>()), d["images"].get<int64_t>(), escape_html(d["data"].get<std::string>()),
      escape_html(d["mode"].get<std::string>()), d["chips"].size(), escape_html(seeds), pct(d["accuracy_clean"]));
}

std::string table(const Json& d) {
  std::string html =
      "<h2>Table</h2>\n<div class=\"tablewrap\"><table><thead><tr><th class=\"text\">scope</th><th "
      "class=\"text\">layer</th><th>bit</th><th>bits stored</th><th>bit errors (mean)</th><th>accuracy % "
      "(mean)</th><th>std</th><th>worst chip</th><th>drop %-pt</th><th>RErr % (mean)</th><th>std</th>"
      "<th>RErr +%-pt</th></tr></thead>\n<tbody>\n";
  for (const Json& r : d["rows"])
    html += fmt::format(
        "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape_html(r["scope"].get<std::string>()), escape_html(r["layer"].get<std::string>()),
        r["bit"].is_null() ? report_html::kMissing : r["bit"].dump(), r["bits_stored"].get<int64_t>(),
        r["bit_errors_mean"].get<double>(), pct(r["accuracy_mean"]), pct(r["accuracy_std"]), pct(r["accuracy_min"]),
        pct(r["accuracy_drop_mean"]), pct(r["robust_error_mean"]), pct(r["robust_error_std"]),
        pct(r["robust_error_increase_mean"]));
  return html + "</tbody></table></div>\n";
}

std::string page_end() {
  std::string html = fmt::format(
      "<footer>Written by lvsim {} (lvsim sensitivity). Plots drawn with Chart.js {} (MIT licence), inlined: this "
      "file needs no network access. Render check: <span id=\"lvsim-status\">JavaScript has not run</span></footer>\n",
      kVersion, chartjs::kVersion);
  html += report_html::chartjs_scripts();
  return html + "<script>" + kPageScript + "</script>\n</body>\n</html>\n";
}

}  // namespace

std::string sensitivity_report_html(const nlohmann::ordered_json& doc) {
  std::string html = report_html::page_start("lvsim sensitivity: " + doc["network"].get<std::string>()) + header(doc);
  if (has_scope(doc, "layer"))
    html += "<h2>Per layer</h2>\n" + figure("by-layer", bar_chart(doc, "layer", "faults only in this layer"),
                                            "Mean over the chips, in percentage points.");
  if (has_scope(doc, "bit"))
    html += "<h2>Per bit position</h2>\n" +
            figure("by-bit", bar_chart(doc, "bit", "faults only in this bit of every weight (0 = least significant)"),
                   "Mean over the chips, in percentage points.");
  return html + table(doc) + page_end();
}

}  // namespace lvsim
