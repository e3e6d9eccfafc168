#include "sim/study/study_context.h"

#include <bit>
#include <cstdio>
#include <set>
#include <sstream>

#include "common/errors.h"
#include "common/input_file.h"
#include "common/json_reader.h"
#include "common/number_text.h"
#include "models/mapper.h"
#include "models/point_evaluation.h"
#include "models/timing_model.h"
#include "models/weights_as_read.h"
#include "sim/cli/presets.h"
#include "workloads/import/network_loader.h"
#include "workloads/import/network_preparation.h"
#include "workloads/network/network_json.h"

namespace lvsim {

namespace {

/// FNV-1a, 64 bit: a stable digest (std::hash is not stable across builds).
uint64_t fnv1a(const void* data, size_t n, uint64_t h = 0xCBF29CE484222325ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ull;
  return h;
}

std::string hex64(uint64_t x) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

}  // namespace

StudyContext::StudyContext(StudySpec spec, int threads) : spec_(std::move(spec)), threads_(threads) {
  const std::string origin = "study";
  spec_.validate(origin);
  arch_ = spec_.arch_json.is_null() ? load_architecture(spec_.arch_path)
                                    : architecture_from_json(spec_.arch_json, "exploration point architecture");
  tech_ = load_technology(spec_.tech_path);
  nominal_ = nominal_operating_point(tech_);
  geometry_ = fault_geometry(arch_.weight_sram);
  if (spec_.axis == StudyAxis::VSram) {
    if (!tech_.bitcell_failure)
      throw ConfigError(located(technology_origin(spec_.tech_path), "bitcell_failure",
                                "a voltage sweep needs the technology's bit-cell failure model"));
    failure_params_ = *tech_.bitcell_failure;
    failure_model_ = make_bitcell_failure_model(*failure_params_);
    for (double v : spec_.values) {
      if (v < failure_model_->min_voltage_v() || v > failure_model_->max_voltage_v())
        throw ConfigError(located(origin, "v_sram_v",
                                  number_text(v) + " V is outside the bit-cell failure model's range [" +
                                      number_text(failure_model_->min_voltage_v()) + ", " +
                                      number_text(failure_model_->max_voltage_v()) + "] V of " +
                                      technology_origin(spec_.tech_path)));
      check_sram_voltage(tech_, v);
    }
  }
  energy_model_ = std::make_unique<EnergyModel>(tech_, energy_hardware(arch_));
  test_ = load_dataset(spec_.data_dir, Split::Test, spec_.images);
  for (const StudyNetwork& sn : spec_.networks) load_network(sn);
  std::set<std::string> names;
  for (size_t i = 0; i < networks_.size(); ++i) {
    spec_.networks[i].name = networks_[i].name;
    if (!names.insert(networks_[i].name).second)
      throw ConfigError(located(networks_[i].file, "name",
                                "two networks of the study are named \"" + networks_[i].name +
                                    "\": give each a distinct name in the study file"));
  }
  cost_values();
  compute_fingerprint();
}

void StudyContext::load_network(const StudyNetwork& sn) {
  StudyNetworkState s;
  s.file = sn.path;
  s.net = lvsim::load_network(sn.path);
  NetworkPreparation prep;
  if (sn.weight_bits) prep.weight_bits = sn.weight_bits;
  prep.data_dir = spec_.data_dir;
  prep.calib_images = spec_.calib_images;
  prep.calib_method = spec_.calib_method;
  prep.norm_params_in_sram = spec_.norm_params_in_sram;
  prep.threads = threads_;
  prepare_network(s.net, test_, prep, [&](const Network& net) { arch_.check_fits(net); });
  s.name = sn.name.empty() ? s.net.name : sn.name;
  s.arch = map_layers(arch_, s.net, &tech_);
  s.stored = stored_weights(s.net);
  // The clean point: the same evaluation as every point, on the weights as stored.
  const PointPrediction clean = predict_point(spec_.mode == RunMode::Golden ? RunMode::Golden : RunMode::Fast, s.arch,
                                              s.net, nullptr, s.stored, test_, threads_);
  s.clean_predictions = clean.predictions;
  s.clean_zero_macs = clean.zero_operand_macs_by_weight_bits();
  s.clean_zero_activation_codes = clean.zero_activation_codes;
  s.correct_clean = count_accuracy(s.clean_predictions, s.clean_predictions, test_).correct;
  for (size_t l = 0; l < s.net.layers.size(); ++l) {
    const LayerTiming t = layer_timing(s.arch, s.net, int(l));
    s.counts_per_image += t.counts;
    s.cycles_per_image += t.cycles;
  }
  int64_t bits = 0, ones = 0;
  for (const Layer& L : s.net.layers) {
    if (!s.net.params_in_weight_sram(L)) continue;
    bits += int64_t(L.weight.stored.size()) * L.weight.bits;
    for (uint8_t w : L.weight.stored) ones += std::popcount(unsigned(w));
  }
  s.zero_bit_fraction = bits ? 1.0 - double(ones) / double(bits) : 0.0;
  networks_.push_back(std::move(s));
}

void StudyContext::cost_values() {
  const double v_logic = spec_.v_logic_v.value_or(nominal_.v_logic_v);
  auto op_at = [&](double v_sram) {
    return make_operating_point(tech_, v_sram, v_logic, ClockMode::kFixed, arch_.clock_hz);
  };
  for (double x : spec_.values)
    ops_.push_back(op_at(spec_.axis == StudyAxis::VSram ? x : spec_.v_sram_v.value_or(nominal_.v_sram_v)));
  const OperatingPoint reference = op_at(nominal_.v_sram_v);
  for (const StudyNetworkState& n : networks_) {
    ActionCounts c = n.counts_per_image.scaled(test_.count);
    c.zero_operand_macs_by_weight_bits = n.clean_zero_macs;
    const EnergyBreakdown e = energy_model_->breakdown(c, reference);
    reference_pj_.push_back(e.total_pj() / double(test_.count));
    reference_sram_pj_.push_back(e.weight_sram_pj / double(test_.count));
  }
}

StudyValueEnergy StudyContext::energy(size_t network, size_t value, const std::array<int64_t, 9>& zero_macs,
                                      int64_t images) const {
  ActionCounts c = networks_[network].counts_per_image.scaled(images);
  c.zero_operand_macs_by_weight_bits = zero_macs;
  StudyValueEnergy e;
  e.op = ops_[value];
  const EnergyBreakdown total = energy_model_->breakdown(c, e.op);
  // Per inference: every component divided by the images (the breakdown is linear in the counts).
  const double inv = 1.0 / double(images);
  e.breakdown = total;
  for (double* x :
       {&e.breakdown.array_macs_pj, &e.breakdown.pe_registers_pj, &e.breakdown.weight_sram_pj, &e.breakdown.buffers_pj,
        &e.breakdown.post_processing_pj, &e.breakdown.ecc_pj, &e.breakdown.dram_pj, &e.breakdown.leakage_pj})
    *x *= inv;
  e.energy_pj = e.breakdown.total_pj();
  e.energy_saved_total = reference_pj_[network] > 0 ? 1.0 - e.energy_pj / reference_pj_[network] : 0.0;
  e.energy_saved_weight_sram =
      reference_sram_pj_[network] > 0 ? 1.0 - e.breakdown.weight_sram_pj / reference_sram_pj_[network] : 0.0;
  e.gating_saved_energy_per_inference_pj = energy_model_->gating_saved_energy_pj(c, e.op) * inv;
  return e;
}

double StudyContext::cell_failure_expected(size_t value) const {
  const double x = spec_.values[value];
  return spec_.axis == StudyAxis::VSram ? failure_model_->failure_probability(x) : x;
}

double StudyContext::ber_expected(size_t network, size_t value) const {
  const double p = cell_failure_expected(value);
  const double zeros = networks_[network].zero_bit_fraction, ones = 1.0 - zeros;
  if (spec_.axis == StudyAxis::VSram) {
    const CellTypeMix& m = failure_params_->cell_types;
    return p * (m.read_flip + m.stuck_at_1 * zeros + m.stuck_at_0 * ones);
  }
  if (spec_.fault_model == "stuck_at")
    return p * (spec_.stuck_at_1_fraction * zeros + (1 - spec_.stuck_at_1_fraction) * ones);
  return p;
}

void StudyContext::compute_fingerprint() {
  // Results depend on the spec's settings and on the contents of the files (not on their paths):
  // the same study resumed from another working directory keeps its journal.
  nlohmann::json j = spec_.to_json();
  j.erase("data");
  j.erase("architecture");
  j.erase("technology");
  // Thresholds only read the finished points: a study resumes (and reports) under new ones.
  j.erase("max_drop");
  j.erase("max_rerr_increase");
  for (auto& n : j["networks"]) n.erase("file");
  const std::string settings = j.dump();
  uint64_t h = fnv1a(settings.data(), settings.size());
  for (const StudyNetwork& n : spec_.networks) {
    const std::string b = read_input_file(n.path, kMaxModelFileBytes);
    h = fnv1a(b.data(), b.size(), h);
  }
  auto file_or_builtin = [](const std::string& p) {
    return p.empty() ? std::string("built-in") : read_input_file(p, kMaxConfigFileBytes);
  };
  // An exploration point's architecture is in the spec itself: its JSON is what decides results.
  const std::string arch = spec_.arch_json.is_null() ? file_or_builtin(spec_.arch_path) : spec_.arch_json.dump();
  const std::string tech = file_or_builtin(spec_.tech_path);
  for (const std::string* b : {&arch, &tech}) h = fnv1a(b->data(), b->size(), h);
  h = fnv1a(test_.pixels.data(), test_.pixels.size(), h);
  h = fnv1a(test_.labels.data(), test_.labels.size(), h);
  fingerprint_ = hex64(h);
}

}  // namespace lvsim
