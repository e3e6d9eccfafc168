// The study report page: self-contained (Chart.js inlined, nothing fetched), one canvas per plot,
// input strings escaped, chart data equal to the summary's, deterministic.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "common/errors.h"
#include "sim/report/chartjs_script.h"
#include "sim/report/study_report_html.h"

using lvsim::study_report_html;
using nlohmann::json;

namespace {

const char* const kNasty = "net <b>&amp; </script><!--";  // must only ever appear escaped

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

json point(const std::string& net, bool ber_axis, double x, double acc) {
  return {{"network", net},
          {"v_sram_v", ber_axis ? json() : json(x)},
          {"ber", ber_axis ? json(x) : json()},
          {"chips", 3},
          {"ber_expected", ber_axis ? x : 1e-3 * (0.9 - x)},
          {"ber_measured", ber_axis ? x : 1e-3 * (0.9 - x)},  // 0 at the highest voltage
          {"accuracy_mean", acc},
          {"accuracy_std", 0.01},
          {"accuracy_min", acc - 0.02},
          {"accuracy_max", acc + 0.01},
          {"accuracy_ci95_low", acc - 0.01},
          {"accuracy_ci95_high", acc + 0.01},
          {"robust_error_mean", 1 - acc},
          {"robust_error_max", 1.02 - acc},
          {"energy_per_inference_pj", 12345.6},
          {"energy_breakdown_pj", {{"array_macs", 10000.0}, {"weight_sram", 2345.6}, {"ecc", 0.0}}},
          {"energy_saved_total", ber_axis ? json() : json(0.9 - x)},
          {"energy_saved_weight_sram", ber_axis ? json() : json(2 * (0.9 - x))},
          {"cycles_per_inference", 123456},
          {"time_per_inference_s", 0.000246},
          {"clock_hz", 5e8}};
}

/// Two networks (the second with HTML in its name) over three voltages, or three bit error rates.
json summary(bool ber_axis) {
  std::vector<double> values = ber_axis ? std::vector<double>{0, 1e-4, 1e-3} : std::vector<double>{0.9, 0.8, 0.7};
  json points = json::array(), networks = json::array();
  for (std::string net : {"cnn", kNasty}) {
    for (size_t i = 0; i < values.size(); ++i) points.push_back(point(net, ber_axis, values[i], 0.9 - 0.2 * i));
    json none = {{"v_sram_v", nullptr},
                 {"ber", nullptr},
                 {"energy_saved_total", nullptr},
                 {"energy_saved_weight_sram", nullptr}};
    json found = {{"v_sram_v", 0.8}, {"ber", 1e-4}, {"energy_saved_total", 0.1}, {"energy_saved_weight_sram", 0.2}};
    networks.push_back({{"name", net},
                        {"accuracy_clean", 0.91},
                        {"macs_per_image", 1000},
                        {"thresholds", {{{"max_drop", 0.01}, {"mean", found}, {"worst_chip", none}}}}});
  }
  json study = {{"axis", ber_axis ? "ber" : "v_sram_v"},
                {"networks", {{{"name", "cnn"}, {"file", "nets/cnn.json"}}, {{"name", kNasty}, {"file", "a<b>.json"}}}},
                {"data", "/data/<fmnist>"},
                {"images", 100},
                {"architecture", "edge-16x16"},
                {"technology", "45nm"},
                {"energy_unit", "pJ"},
                {"mode", "fast"},
                {"fault_model", "chip"},
                {"transient_ber", 0},
                {"chips", {1, 2, 3}},
                {"ci_width", nullptr},
                {"max_drop", {0.01}},
                {"v_logic_v", 0.9},
                {"clock_hz", 5e8},
                {"values", values}};
  return {
      {"format", "lvsim-study-summary"}, {"version", 1}, {"study", study}, {"networks", networks}, {"points", points}};
}

json chip_points() {
  json pts = json::array();
  for (int chip = 1; chip <= 3; ++chip)
    pts.push_back({{"network", "cnn"},
                   {"v_sram_v", 0.8},
                   {"ber", nullptr},
                   {"chip_seed", chip},
                   {"accuracy", 0.7 + 0.01 * chip},
                   {"ber_measured", 1e-4}});
  return {{"format", "lvsim-study-points"}, {"version", 1}, {"points", pts}};
}

/// The JSON config embedded for the canvas `id`.
json chart_config(const std::string& page, const std::string& id) {
  std::string open = "<script type=\"application/json\" id=\"" + id + "-config\">";
  size_t begin = page.find(open);
  REQUIRE(begin != std::string::npos);
  begin += open.size();
  return json::parse(page.substr(begin, page.find("</script>", begin) - begin));
}

const json* dataset(const json& config, const std::string& label) {
  for (const json& d : config["chart"]["data"]["datasets"])
    if (d["label"] == label) return &d;
  return nullptr;
}

std::string without_chartjs(std::string page) {
  std::string script(reinterpret_cast<const char*>(lvsim::chartjs::kScript), lvsim::chartjs::kScriptSize);
  size_t at = page.find(script);
  REQUIRE(at != std::string::npos);
  return page.erase(at, script.size());
}

}  // namespace

TEST_CASE("study report: Chart.js inlined, nothing loaded from elsewhere", "[report]") {
  auto axis = GENERATE(false, true);
  std::string page = study_report_html(summary(axis), chip_points());
  CHECK(page.find("Chart.js v" + std::string(lvsim::chartjs::kVersion)) != std::string::npos);  // its banner
  std::string own = without_chartjs(page);
  CHECK(own.find("http://") == std::string::npos);
  CHECK(own.find("https://") == std::string::npos);
  CHECK(own.find("<script src") == std::string::npos);
  CHECK(own.find("<link") == std::string::npos);
  CHECK(own.find("Chart.js " + std::string(lvsim::chartjs::kVersion)) != std::string::npos);  // footer
  CHECK(own.find("animation = false") != std::string::npos);
}

TEST_CASE("study report: one canvas per plot", "[report]") {
  std::string volt = study_report_html(summary(false), chip_points());
  CHECK(count(volt, "<canvas ") == 5);
  for (const char* id : {"plot-accuracy", "plot-accuracy-ber", "plot-energy-0", "plot-energy-1", "plot-tradeoff"})
    CHECK(count(volt, "<canvas id=\"" + std::string(id) + "\"") == 1);

  // No voltage on a BER axis: no trade-off plot, a note instead.
  std::string ber = study_report_html(summary(true), chip_points());
  CHECK(count(ber, "<canvas ") == 4);
  CHECK(ber.find("plot-tradeoff") == std::string::npos);
  CHECK(ber.find("energy does not change with p") != std::string::npos);
  CHECK(chart_config(ber, "plot-accuracy")["chart"]["options"]["scales"]["x"]["type"] == "logarithmic");
  CHECK(chart_config(volt, "plot-accuracy")["chart"]["options"]["scales"]["x"]["reverse"] == true);
}

TEST_CASE("study report: input strings are escaped", "[report]") {
  for (bool axis : {false, true}) {
    std::string page = study_report_html(summary(axis), chip_points());
    CHECK(page.find(kNasty) == std::string::npos);
    CHECK(page.find("net <b>") == std::string::npos);
    CHECK(page.find("net &lt;b&gt;&amp;amp; &lt;/script&gt;&lt;!--") != std::string::npos);  // HTML text
    CHECK(page.find("a&lt;b&gt;.json") != std::string::npos);
    CHECK(page.find("/data/&lt;fmnist&gt;") != std::string::npos);
    // Every script block ends where it should: the name never closes one or opens a comment.
    CHECK(count(page, "<script") == count(page, "</script>"));
    CHECK(count(page, "<!--") == 0);
    // ... and the embedded JSON still carries the name exactly.
    CHECK(dataset(chart_config(page, "plot-accuracy"), std::string(kNasty) + " mean over chips") != nullptr);
  }
}

TEST_CASE("study report: plots carry the summary's values", "[report]") {
  std::string page = study_report_html(summary(false), chip_points());
  json acc = chart_config(page, "plot-accuracy");
  const json* mean = dataset(acc, "cnn mean over chips");
  REQUIRE(mean);
  REQUIRE((*mean)["data"].size() == 3);
  CHECK((*mean)["data"][0]["x"] == 0.7);  // sorted by x
  CHECK((*mean)["data"][0]["y"].get<double>() == Approx(0.5));
  REQUIRE(dataset(acc, "cnn min–max over chips"));
  CHECK((*dataset(acc, "cnn min–max over chips"))["fill"] == "-1");
  CHECK((*dataset(acc, "individual chips"))["data"].size() == 3);
  CHECK((*dataset(acc, "cnn clean (no faults)"))["data"][0]["y"] == 0.91);

  // The measured-BER plot leaves out ber 0 (the highest voltage) and says so.
  CHECK((*dataset(chart_config(page, "plot-accuracy-ber"), "cnn mean over chips"))["data"].size() == 2);
  CHECK(page.find("2 points with a measured bit error rate of 0") != std::string::npos);

  // Energy: one stack per voltage; an all-zero component is left out.
  json energy = chart_config(page, "plot-energy-0");
  CHECK(energy["chart"]["data"]["labels"] == json({"0.9", "0.8", "0.7"}));
  CHECK(dataset(energy, "weight SRAM") != nullptr);
  CHECK(dataset(energy, "ECC") == nullptr);
  CHECK(energy["chart"]["options"]["scales"]["y"]["title"]["text"] == "energy per inference (pJ)");

  json tradeoff = chart_config(page, "plot-tradeoff");
  CHECK((*dataset(tradeoff, "cnn — saved in the weight SRAM"))["data"][2]["x"].get<double>() == Approx(0.4));
  CHECK((*dataset(tradeoff, "cnn — saved in the whole accelerator"))["data"][2]["x"].get<double>() == Approx(0.2));
}

TEST_CASE("study report: tables", "[report]") {
  std::string page = study_report_html(summary(false), chip_points());
  CHECK(page.find("<td>none</td>") != std::string::npos);  // no voltage qualifies for the worst chip
  CHECK(page.find("<td>0.800</td><td>10.0 %</td><td>20.0 %</td>") != std::string::npos);
  CHECK(page.find(">12350</td>") != std::string::npos);  // 4 significant digits
  CHECK(page.find(">246 µs</td>") != std::string::npos);
  CHECK(page.find(">2.00e-04</td>") != std::string::npos);
  CHECK(page.find("class=\"sortable\"") != std::string::npos);
}

TEST_CASE("study report: deterministic, and robust to missing members", "[report]") {
  CHECK(study_report_html(summary(false), chip_points()) == study_report_html(summary(false), chip_points()));
  CHECK(study_report_html(summary(true), chip_points()) == study_report_html(summary(true), chip_points()));

  // No chips' points, a point without statistics, no thresholds: still a page, "–" for the gaps.
  json s = summary(false);
  s["points"][1] = {{"network", "cnn"}, {"v_sram_v", 0.8}};
  s["networks"][0].erase("thresholds");
  std::string page = study_report_html(s, json::object());
  CHECK(page.find("\"label\":\"individual chips\"") == std::string::npos);
  CHECK(page.find("<td>–</td>") != std::string::npos);
  CHECK(study_report_html(s, json{{"points", json::array()}}) == page);

  CHECK_THROWS_AS(study_report_html(json::array(), json()), lvsim::FormatError);
  CHECK_THROWS_AS(study_report_html(json{{"format", "lvsim-study-summary"}}, json()), lvsim::FormatError);
}
