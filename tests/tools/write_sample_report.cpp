// Writes the study report (report.html) of a fixed, synthetic study, for the headless-browser
// render test (tests/cli/report_render.sh) and for looking at the page by hand.
// Usage: write_sample_report OUT.html [voltage|ber]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report/study_report_html.h"

using nlohmann::json;

namespace {

/// A made-up network: its clean accuracy, the BER at which it has lost half of its accuracy above
/// chance, and its cost.
struct SampleNetwork {
  std::string name, file;
  double clean;
  double ber_half;
  double macs;
  double cycles;
};

constexpr int kChips = 25;
constexpr double kBitsStored = 800000;
constexpr double kNominalV = 0.9;

/// Deterministic noise in [-1, 1) for (network, value, chip): no generator state to carry.
double noise(int a, int b, int c) {
  uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(a + 1) +
               0xBF58476D1CE4E5B9ull * static_cast<uint64_t>(b + 1) +
               0x94D049BB133111EBull * static_cast<uint64_t>(c + 1);
  x ^= x >> 31, x *= 0xD6E8FEB86659FD93ull, x ^= x >> 29;
  return static_cast<double>(x >> 11) / 4503599627370496.0 - 1.0;
}

double ber_at(double v) {
  return std::pow(10.0, -1.8 - (v - 0.6) * 25.0);
}  // expected cell failure rate

double accuracy_at(const SampleNetwork& n, double ber) {
  return 0.1 + (n.clean - 0.1) / (1 + std::pow(ber / n.ber_half, 1.5));
}

json breakdown(double v) {
  double s = (v / kNominalV) * (v / kNominalV);
  return {{"array_macs", 4000.0},
          {"pe_registers", 1500.0},
          {"weight_sram", 3000.0 * s},
          {"buffers", 1200.0},
          {"post_processing", 300.0},
          {"ecc", 0.0},
          {"dram", 0.0},
          {"leakage", 800.0 * s * v / kNominalV}};
}

double total(const json& b) {
  double t = 0;
  for (const auto& [k, e] : b.items()) t += e.get<double>();
  return t;
}

/// One axis value of one network: the summary point, and the chips' points appended to `chips`.
json study_point(const SampleNetwork& n, int ni, int vi, double v, std::optional<double> p, json& chips) {
  double ber = p ? *p : ber_at(v);
  std::vector<double> acc;
  double measured_sum = 0;
  for (int c = 0; c < kChips; ++c) {
    double chip_ber = ber * (1 + 0.35 * noise(ni, vi, c));
    double measured = std::floor(chip_ber * kBitsStored) / kBitsStored;
    double a = std::clamp(accuracy_at(n, chip_ber) + 0.004 * noise(ni + 7, vi, c), 0.0, 1.0);
    acc.push_back(a);
    measured_sum += measured;
    chips.push_back({{"network", n.name},
                     {"v_sram_v", p ? json() : json(v)},
                     {"ber", p ? json(*p) : json()},
                     {"chip_seed", c + 1},
                     {"accuracy", a},
                     {"robust_error", 1 - a + 0.01},
                     {"bit_errors", measured * kBitsStored},
                     {"bits_stored", kBitsStored},
                     {"ber_measured", measured}});
  }
  double mean = 0, var = 0;
  for (double a : acc) mean += a / kChips;
  for (double a : acc) var += (a - mean) * (a - mean) / (kChips - 1);
  double sd = std::sqrt(var), half = 1.96 * sd / std::sqrt(kChips);
  json b = breakdown(v), b0 = breakdown(kNominalV);
  double e = total(b) * n.macs / 11.47e6, e0 = total(b0) * n.macs / 11.47e6;
  for (auto& [k, x] : b.items()) x = x.get<double>() * n.macs / 11.47e6;
  return {{"network", n.name},
          {"v_sram_v", p ? json() : json(v)},
          {"ber", p ? json(*p) : json()},
          {"chips", kChips},
          {"ber_expected", ber},
          {"ber_measured", measured_sum / kChips},
          {"accuracy_mean", mean},
          {"accuracy_std", sd},
          {"accuracy_min", *std::min_element(acc.begin(), acc.end())},
          {"accuracy_max", *std::max_element(acc.begin(), acc.end())},
          {"accuracy_ci95_low", mean - half},
          {"accuracy_ci95_high", mean + half},
          {"robust_error_mean", 1 - mean + 0.01},
          {"robust_error_max", 1 - *std::min_element(acc.begin(), acc.end()) + 0.01},
          {"energy_per_inference_pj", e},
          {"energy_breakdown_pj", b},
          {"energy_saved_total", 1 - e / e0},
          {"energy_saved_weight_sram", 1 - (v / kNominalV) * (v / kNominalV)},
          {"cycles_per_inference", n.cycles},
          {"time_per_inference_s", n.cycles / 5e8},
          {"clock_hz", 5e8}};
}

/// The lowest voltage (or highest p) whose accuracy (mean, or worst chip) is within `drop` of clean.
json threshold(const json& points, const SampleNetwork& n, const char* acc_key, double drop, bool ber_axis) {
  json best = {
      {"v_sram_v", nullptr}, {"ber", nullptr}, {"energy_saved_total", nullptr}, {"energy_saved_weight_sram", nullptr}};
  for (const json& p : points) {  // study order: voltages descending, p ascending
    if (p["network"] != n.name) continue;
    if (p[acc_key].get<double>() < n.clean - drop) break;
    best = {{"v_sram_v", p["v_sram_v"]},
            {"ber", p["ber"]},
            {"energy_saved_total", ber_axis ? json() : p["energy_saved_total"]},
            {"energy_saved_weight_sram", ber_axis ? json() : p["energy_saved_weight_sram"]}};
  }
  return best;
}

json sample_study(bool ber_axis, json& chip_points) {
  // The second name carries HTML and script syntax on purpose: the page must show it as text.
  std::vector<SampleNetwork> nets = {
      {"fmnist-cnn", "workloads/networks/fmnist-cnn.json", 0.9123, 1.2e-3, 11.47e6, 123456},
      {"fmnist-mlp </script><!-- & co", "workloads/networks/fmnist-mlp.json", 0.8791, 3.5e-3, 4.2e6, 45678}};
  std::vector<double> values;
  if (ber_axis)
    values = {0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2};
  else
    for (int i = 0; i <= 12; ++i) values.push_back(std::round((0.9 - 0.025 * i) * 1000) / 1000);
  json points = json::array(), networks = json::array(), study_nets = json::array();
  chip_points = json::array();
  for (size_t ni = 0; ni < nets.size(); ++ni)
    for (size_t vi = 0; vi < values.size(); ++vi)
      points.push_back(study_point(nets[ni], static_cast<int>(ni), static_cast<int>(vi),
                                   ber_axis ? kNominalV : values[vi],
                                   ber_axis ? std::optional(values[vi]) : std::nullopt, chip_points));
  for (const SampleNetwork& n : nets) {
    json thresholds = json::array();
    for (double drop : {0.01, 0.025})
      thresholds.push_back({{"max_drop", drop},
                            {"mean", threshold(points, n, "accuracy_mean", drop, ber_axis)},
                            {"worst_chip", threshold(points, n, "accuracy_min", drop, ber_axis)}});
    networks.push_back({{"name", n.name},
                        {"accuracy_clean", n.clean},
                        {"macs_per_image", n.macs},
                        {"energy_nominal_per_inference_pj", total(breakdown(kNominalV)) * n.macs / 11.47e6},
                        {"thresholds", thresholds}});
    study_nets.push_back({{"name", n.name}, {"file", n.file}});
  }
  json chips = json::array();
  for (int c = 1; c <= kChips; ++c) chips.push_back(c);
  json study = {{"axis", ber_axis ? "ber" : "v_sram_v"},
                {"networks", study_nets},
                {"data", "/usr/share/datasets/fashion-mnist"},
                {"images", 10000},
                {"architecture", "edge-16x16"},
                {"technology", "45nm"},
                {"energy_unit", "pJ"},
                {"mode", "fast"},
                {"fault_model", ber_axis ? "bit_flip" : "chip"},
                {"transient_ber", 0},
                {"chips", chips},
                {"ci_width", nullptr},
                {"max_drop", {0.01, 0.025}},
                {"v_logic_v", 0.9},
                {"clock_hz", 5e8},
                {"values", values}};
  return {
      {"format", "lvsim-study-summary"}, {"version", 1}, {"study", study}, {"networks", networks}, {"points", points}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::string(argv[2]) != "voltage" && std::string(argv[2]) != "ber")) {
    std::fprintf(stderr, "usage: %s OUT.html [voltage|ber]\n", argv[0]);
    return 2;
  }
  try {
    json chip_points;
    json summary = sample_study(argc == 3 && std::string(argv[2]) == "ber", chip_points);
    json points = {{"format", "lvsim-study-points"}, {"version", 1}, {"points", chip_points}};
    std::ofstream out(argv[1], std::ios::binary);
    out << lvsim::study_report_html(summary, points);
    if (!out.flush()) {
      std::fprintf(stderr, "%s: cannot write\n", argv[1]);
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
