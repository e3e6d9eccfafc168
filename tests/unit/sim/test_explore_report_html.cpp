// The exploration report page: self-contained (Chart.js inlined, nothing fetched), one Pareto plot
// per workload, input strings escaped, the rows embedded once with what the plots need decided
// (log axes, the front's order, the stacked components), deterministic.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "common/errors.h"
#include "sim/report/chartjs_script.h"
#include "sim/report/explore_report_html.h"

using lvsim::explore_report_html;
using nlohmann::json;

namespace {

const char* const kNasty = "mlp <b>&amp; </script><!--";  // must only ever appear escaped
const char* const kReason = "weights (2048 KiB) exceed the weight SRAM (1024 KiB)";

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

json feasible_row(int point, const std::string& workload, int rows, double v, double latency, double energy,
                  bool pareto) {
  return {{"point", point},
          {"workload", workload},
          {"array.rows", rows},
          {"v_sram_v", v},
          {"feasible", true},
          {"reason", ""},
          {"array_rows", rows},
          {"array_cols", 16},
          {"dataflow", "weight_stationary"},
          {"weight_sram_bytes", 1048576},
          {"clock_hz_used", 5e8},
          {"v_sram_v_used", v},
          {"v_logic_v_used", 0.9},
          {"cycles_per_inference", latency * 5e8},
          {"latency_s", latency},
          {"throughput_inferences_per_s", 1 / latency},
          {"utilization", 0.5},
          {"macs_per_inference", 1000},
          {"weight_bytes", 1000},
          {"dram_bytes_per_inference", 0},
          {"energy_per_inference_pj", energy},
          {"edp_pj_s", energy * latency},
          {"energy_breakdown_pj",
           {{"array_macs", energy * 0.5}, {"weight_sram", energy * 0.5}, {"ecc", 0.0}, {"dram", 0.0}}},
          {"pareto_energy_latency", pareto}};
}

json infeasible_row(int point, const std::string& workload, int rows, double v, const std::string& reason) {
  json r = {{"point", point},
            {"workload", workload},
            {"array.rows", rows},
            {"v_sram_v", v},
            {"feasible", false},
            {"reason", reason},
            {"energy_breakdown_pj", nullptr},
            {"pareto_energy_latency", false}};
  for (const char* k : {"array_rows", "array_cols", "dataflow", "latency_s", "energy_per_inference_pj", "utilization"})
    r[k] = nullptr;
  return r;
}

/// Two workloads over 3 rows x 2 voltages. "cnn": latencies spanning 100x (log x), energies within
/// a decade (linear y); kNasty: one point infeasible for it alone, one for both.
json sample() {
  json points = json::array();
  points.push_back(feasible_row(0, "cnn", 8, 0.9, 1e-4, 900, true));
  points.push_back(feasible_row(0, kNasty, 8, 0.9, 2e-4, 500, true));
  points.push_back(feasible_row(1, "cnn", 8, 0.7, 1e-4, 950, false));
  points.push_back(infeasible_row(1, kNasty, 8, 0.7, kReason));
  points.push_back(feasible_row(2, "cnn", 16, 0.9, 1e-5, 1500, true));
  points.push_back(feasible_row(2, kNasty, 16, 0.9, 1.5e-4, 700, false));
  points.push_back(feasible_row(3, "cnn", 16, 0.7, 1e-6, 2000, true));
  points.push_back(feasible_row(3, kNasty, 16, 0.7, 1e-4, 800, true));
  points.push_back(infeasible_row(4, "cnn", 32, 0.9, "array <too> large & slow"));
  points.push_back(infeasible_row(4, kNasty, 32, 0.9, "array <too> large & slow"));
  return {{"format", "lvsim-exploration-points"},
          {"version", 1},
          {"architecture", "presets/arch/<edge>.json"},
          {"technology", "built-in 45nm"},
          {"energy_unit", "pJ"},
          {"axes", {{{"name", "array.rows"}, {"values", {8, 16, 32}}}, {{"name", "v_sram_v"}, {"values", {0.9, 0.7}}}}},
          {"workloads",
           {{{"name", "cnn"}, {"file", "nets/cnn.json"}, {"kind", "network"}},
            {{"name", kNasty}, {"file", "topo/a<b>.csv"}, {"kind", "topology"}}}},
          {"points", points}};
}

/// The data block the page draws from.
json page_data(const std::string& page) {
  std::string open = "<script type=\"application/json\" id=\"lvsim-explore-data\">";
  size_t begin = page.find(open);
  REQUIRE(begin != std::string::npos);
  begin += open.size();
  return json::parse(page.substr(begin, page.find("</script>", begin) - begin));
}

std::string without_chartjs(std::string page) {
  std::string script(reinterpret_cast<const char*>(lvsim::chartjs::kScript), lvsim::chartjs::kScriptSize);
  size_t at = page.find(script);
  REQUIRE(at != std::string::npos);
  return page.erase(at, script.size());
}

}  // namespace

TEST_CASE("explore report: Chart.js inlined, nothing loaded from elsewhere", "[report]") {
  std::string page = explore_report_html(sample());
  CHECK(page.find("Chart.js v" + std::string(lvsim::chartjs::kVersion)) != std::string::npos);  // its banner
  std::string own = without_chartjs(page);
  CHECK(own.find("http://") == std::string::npos);
  CHECK(own.find("https://") == std::string::npos);
  CHECK(own.find("<script src") == std::string::npos);
  CHECK(own.find("<link") == std::string::npos);
  CHECK(own.find("animation: false") != std::string::npos);
  CHECK(own.find("<span id=\"lvsim-status\">") != std::string::npos);
}

TEST_CASE("explore report: one Pareto plot and one breakdown per workload", "[report]") {
  std::string page = explore_report_html(sample());
  CHECK(count(page, "<canvas ") == 4);
  CHECK(count(page, "data-lvsim-plot=\"scatter\"") == 2);
  CHECK(count(page, "data-lvsim-plot=\"breakdown\"") == 2);
  for (const char* id : {"scatter-0", "scatter-1", "breakdown-0", "breakdown-1"})
    CHECK(count(page, "<canvas id=\"" + std::string(id) + "\"") == 1);

  // A workload without a feasible point gets a note, not an empty plot (which the render test rejects).
  json doc = sample();
  for (json& p : doc["points"])
    if (p["workload"] == "cnn") p = infeasible_row(p["point"], "cnn", 8, 0.9, "nope");
  std::string none = explore_report_html(doc);
  CHECK(count(none, "<canvas ") == 2);
  CHECK(none.find("scatter-0") == std::string::npos);
  CHECK(none.find("No feasible design point for this workload") != std::string::npos);
}

TEST_CASE("explore report: input strings are escaped", "[report]") {
  std::string page = explore_report_html(sample());
  CHECK(page.find(kNasty) == std::string::npos);
  CHECK(page.find("mlp <b>") == std::string::npos);
  CHECK(page.find("mlp &lt;b&gt;&amp;amp; &lt;/script&gt;&lt;!--") != std::string::npos);  // HTML text
  CHECK(page.find("topo/a&lt;b&gt;.csv") != std::string::npos);
  CHECK(page.find("presets/arch/&lt;edge&gt;.json") != std::string::npos);
  CHECK(page.find("<too>") == std::string::npos);
  // Every script block ends where it should: no input closes one or opens a comment.
  CHECK(count(page, "<script") == count(page, "</script>"));
  CHECK(count(page, "<!--") == 0);
  // ... and the embedded data still carry the strings exactly.
  json data = page_data(page);
  CHECK(data["workloads"][1]["name"] == kNasty);
}

TEST_CASE("explore report: header counts and infeasible reasons", "[report]") {
  std::string page = explore_report_html(sample());
  CHECK(page.find("5 design points × 2 workloads = 10 rows; 7 feasible, 3 infeasible; 5 on a Pareto front") !=
        std::string::npos);
  CHECK(page.find("<b>array.rows</b>: 8, 16, 32") != std::string::npos);
  CHECK(page.find("<b>v_sram_v</b>: 0.9, 0.7") != std::string::npos);
  CHECK(page.find(": 4 feasible of 5, 3 on the Pareto front") != std::string::npos);  // cnn
  CHECK(page.find(": 3 feasible of 5, 2 on the Pareto front") != std::string::npos);  // kNasty

  json data = page_data(page);
  const json& cols = data["columns"];
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i] == name) return i;
    FAIL("no column " << name);
    return size_t(0);
  };
  REQUIRE(data["rows"].size() == 10);  // every row, once
  const json& row3 = data["rows"][3];
  CHECK(row3[col("feasible")] == false);
  CHECK(data["reasons"][row3[col("reason")].get<size_t>()] == kReason);
  CHECK(row3[col("w")] == 1);
  CHECK(row3[col("array.rows")] == 8);
  CHECK(row3[col("v_sram_v")] == 0.7);
  CHECK(page.find(kReason) != std::string::npos);
  CHECK(data["reasons"][data["rows"][8][col("reason")].get<size_t>()] == "array <too> large & slow");
  CHECK(data["rows"][9][col("reason")] == data["rows"][8][col("reason")]);  // carried once
  CHECK(data["reasons"].size() == 2);
  CHECK(data["rows"][0][col("reason")].is_null());  // feasible
}

TEST_CASE("explore report: what the plots draw", "[report]") {
  json data = page_data(explore_report_html(sample()));
  const json& cnn = data["workloads"][0];
  CHECK(cnn["log_x"] == true);             // 1 µs .. 100 µs
  CHECK(cnn["log_y"] == false);            // 900 .. 2000 pJ
  CHECK(cnn["front"] == json({6, 4, 0}));  // the Pareto rows, fastest first
  CHECK(cnn["plotted"] == 4);
  // Stacked components: zero everywhere (ecc, dram) left out, the rest in their usual order.
  REQUIRE(cnn["components"].size() == 2);
  CHECK(cnn["components"][0]["label"] == "array MACs");
  CHECK(cnn["components"][1]["label"] == "weight SRAM");
  REQUIRE(cnn["breakdown"].size() == 3);
  CHECK(cnn["breakdown"][0] == json({1000.0, 1000.0}));  // row 6: 2000 pJ

  const json& other = data["workloads"][1];
  CHECK(other["log_x"] == false);
  CHECK(other["front"] == json({7, 1}));
  CHECK(data["energy_unit"] == "pJ");
}

TEST_CASE("explore report: normalized energy", "[report]") {
  json doc = sample();
  doc["energy_unit"] = "normalized";
  std::string page = explore_report_html(doc);
  CHECK(page_data(page)["energy_unit"] == "normalized units");
  CHECK(page.find("normalized (relative units of the technology)") != std::string::npos);
}

TEST_CASE("explore report: deterministic", "[report]") {
  CHECK(explore_report_html(sample()) == explore_report_html(sample()));
}

TEST_CASE("explore report: rejects a document that is not an exploration", "[report]") {
  CHECK_THROWS_AS(explore_report_html(json{{"format", "lvsim-study-summary"}, {"points", json::array()}}),
                  lvsim::FormatError);
  CHECK_THROWS_AS(explore_report_html(json::array()), lvsim::FormatError);
}
