#include "sim/study/sensitivity.h"

#include <algorithm>
#include <bit>

#include "common/errors.h"
#include "common/parallel.h"
#include "memory/weight_memory.h"
#include "models/point_evaluation.h"
#include "models/weights_as_read.h"
#include "sim/cli/presets.h"
#include "sim/study/study_chain.h"
#include "sim/study/study_context.h"

namespace lvsim {

const char* sensitivity_by_name(SensitivityBy by) {
  switch (by) {
    case SensitivityBy::Layer:
      return "layer";
    case SensitivityBy::Bit:
      return "bit";
    case SensitivityBy::Both:
      return "both";
  }
  return "?";
}

SensitivityBy sensitivity_by_from_name(const std::string& name, const std::string& field) {
  if (name == "layer") return SensitivityBy::Layer;
  if (name == "bit") return SensitivityBy::Bit;
  if (name == "both") return SensitivityBy::Both;
  throw ConfigError(field + ": expected layer, bit or both, got \"" + name + "\"");
}

const char* scope_kind_name(SensitivityScope::Kind k) {
  switch (k) {
    case SensitivityScope::Kind::All:
      return "all";
    case SensitivityScope::Kind::Layer:
      return "layer";
    case SensitivityScope::Kind::Bit:
      return "bit";
  }
  return "?";
}

void SensitivitySpec::validate(const std::string& origin) const {
  auto fail = [&](const std::string& field, const std::string& what) {
    throw ConfigError(located(origin, field, what));
  };
  if (study.networks.size() != 1) fail("--network", "a sensitivity map is of one network: give --network once");
  if (study.values.size() != 1)
    fail(study_axis_name(study.axis), "a sensitivity map is at one operating point: give one value");
  if (study.transient_ber != 0)
    fail("transient_ber", "a sensitivity map covers persistent faults only (transient errors differ per image)");
  if (study.mode == RunMode::Cycle)
    fail("--mode", "a sensitivity map runs fast or golden (the SystemC model reads the faulty SRAM itself)");
  study.validate(origin);
}

namespace {

bool in_sram(const Network& net, size_t l) {
  const Layer& L = net.layers[l];
  return L.has_parameters() && net.params_in_weight_sram(L);
}

/// Whether layer `l`'s patterns lie inside `scope` (all of them, or some of their bits).
bool layer_in_scope(const SensitivityScope& scope, size_t l) {
  return scope.kind != SensitivityScope::Kind::Layer || scope.layer == int(l);
}

unsigned scope_mask(const SensitivityScope& scope) {
  return scope.kind == SensitivityScope::Kind::Bit ? 1u << scope.bit : 0xFFu;
}

}  // namespace

std::vector<SensitivityScope> sensitivity_scopes(const Network& net, SensitivityBy by) {
  std::vector<SensitivityScope> out{SensitivityScope{}};
  int widest = 0;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!in_sram(net, l)) continue;
    widest = std::max(widest, net.layers[l].weight.bits);
    if (by != SensitivityBy::Bit) out.push_back({SensitivityScope::Kind::Layer, int(l), -1});
  }
  if (by != SensitivityBy::Layer)
    for (int b = 0; b < widest; ++b) out.push_back({SensitivityScope::Kind::Bit, -1, b});
  return out;
}

LayerWeights weights_in_scope(const Network& net, const LayerWeights& stored, const LayerWeights& faulty,
                              const SensitivityScope& scope) {
  LayerWeights w = stored;
  const unsigned mask = scope_mask(scope);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!in_sram(net, l) || !layer_in_scope(scope, l)) continue;
    for (size_t i = 0; i < w[l].size(); ++i) w[l][i] = uint8_t(stored[l][i] ^ ((stored[l][i] ^ faulty[l][i]) & mask));
  }
  return w;
}

int64_t scope_bits_stored(const Network& net, const SensitivityScope& scope) {
  int64_t bits = 0;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!in_sram(net, l) || !layer_in_scope(scope, l)) continue;
    const WeightTensor& W = net.layers[l].weight;
    if (scope.kind != SensitivityScope::Kind::Bit)
      bits += int64_t(W.stored.size()) * W.bits;
    else if (scope.bit < W.bits)
      bits += int64_t(W.stored.size());
  }
  return bits;
}

namespace {

/// The weight bits and weights of `w` that differ from `stored`.
void count_errors(const LayerWeights& stored, const LayerWeights& w, ScopeChipResult& r) {
  for (size_t l = 0; l < w.size(); ++l)
    for (size_t i = 0; i < w[l].size(); ++i) {
      const unsigned diff = unsigned(stored[l][i] ^ w[l][i]);
      r.bit_errors += std::popcount(diff);
      r.weights_changed += diff ? 1 : 0;
    }
}

}  // namespace

std::vector<ScopeChipResult> evaluate_scopes(const ScopeEvaluation& e, const LayerWeights& faulty,
                                             const std::vector<SensitivityScope>& scopes) {
  const AccuracyCounts clean = count_accuracy(*e.clean_predictions, *e.clean_predictions, *e.test);
  std::vector<ScopeChipResult> out;
  for (const SensitivityScope& scope : scopes) {
    const LayerWeights w = weights_in_scope(*e.net, *e.stored, faulty, scope);
    ScopeChipResult r;
    count_errors(*e.stored, w, r);
    AccuracyCounts a = clean;
    if (r.bit_errors > 0) {
      const PointPrediction p = predict_point(e.mode, *e.arch, *e.net, nullptr, w, *e.test, e.threads);
      a = count_accuracy(p.predictions, *e.clean_predictions, *e.test);
    }
    r.correct = a.correct;
    r.robust_wrong = a.robust_wrong;
    out.push_back(r);
  }
  return out;
}

std::vector<SensitivityRow> summarize_scopes(const Network& net, const std::vector<SensitivityScope>& scopes,
                                             const std::vector<std::vector<ScopeChipResult>>& per_chip,
                                             int64_t images) {
  std::vector<SensitivityRow> rows;
  for (size_t s = 0; s < scopes.size(); ++s) {
    SensitivityRow row;
    row.scope = scopes[s];
    row.layer_name = scopes[s].kind == SensitivityScope::Kind::Layer ? net.layers[size_t(scopes[s].layer)].name : "all";
    row.bits_stored = scope_bits_stored(net, scopes[s]);
    std::vector<double> acc, rerr, bits, weights;
    for (const std::vector<ScopeChipResult>& chip : per_chip) {
      acc.push_back(double(chip[s].correct) / double(images));
      rerr.push_back(double(chip[s].robust_wrong) / double(images));
      bits.push_back(double(chip[s].bit_errors));
      weights.push_back(double(chip[s].weights_changed));
    }
    row.accuracy = summarize(acc);
    row.robust_error = summarize(rerr);
    row.bit_errors_mean = summarize(bits).mean;
    row.weights_changed_mean = summarize(weights).mean;
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

/// The map's description of what it ran, from the loaded study.
SensitivityMap describe(const SensitivitySpec& spec, const StudyContext& ctx) {
  const StudyNetworkState& n = ctx.networks()[0];
  SensitivityMap m;
  m.network = n.name;
  m.network_file = n.file;
  m.architecture = ctx.arch().name;
  m.technology = ctx.tech().name;
  m.data_dir = spec.study.data_dir;
  m.axis = spec.study.axis;
  m.value = spec.study.values[0];
  m.fault_model = spec.study.fault_model;
  m.stuck_at_1_fraction = spec.study.stuck_at_1_fraction;
  m.ecc = ctx.arch().weight_sram.ecc;
  m.chip_seeds = spec.study.chip_seeds;
  m.images = ctx.test().count;
  m.mode = spec.study.mode;
  m.by = spec.by;
  m.accuracy_clean = double(n.correct_clean) / double(ctx.test().count);
  return m;
}

/// A measured chip profile that also errs transiently: refused (the map is of persistent faults).
void check_persistent_only(const StudyContext& ctx) {
  if (ctx.failure_params() && !ctx.failure_params()->transient_points.empty())
    throw ConfigError(located(technology_origin(ctx.spec().tech_path), "bitcell_failure.transient_ber",
                              "a sensitivity map covers persistent faults only; this technology's chips also err "
                              "transiently"));
}

}  // namespace

SensitivityMap run_sensitivity(const SensitivitySpec& spec, int threads,
                               const std::function<void(int64_t, int64_t)>& on_chip) {
  spec.validate("sensitivity");
  const StudyContext ctx(spec.study, resolve_threads(threads));
  check_persistent_only(ctx);
  const StudyNetworkState& n = ctx.networks()[0];
  const std::vector<SensitivityScope> scopes = sensitivity_scopes(n.net, spec.by);
  const ScopeEvaluation eval{spec.study.mode,      &n.arch,     &n.net,       &n.stored,
                             &n.clean_predictions, &ctx.test(), ctx.threads()};
  std::vector<std::vector<ScopeChipResult>> per_chip;
  const int64_t chips = int64_t(spec.study.chip_seeds.size());
  for (int64_t c = 0; c < chips; ++c) {
    WeightMemory wm(ctx.arch().weight_sram, n.net);
    FaultSource faults = chain_fault_source(ctx, int(c));
    wm.set_faults(faults.faults_at(spec.study.values[0]).word_faults());
    WeightReadCounts counts;
    per_chip.push_back(evaluate_scopes(eval, read_all_weights(n.net, wm, counts), scopes));
    if (on_chip) on_chip(c + 1, chips);
  }
  SensitivityMap m = describe(spec, ctx);
  m.rows = summarize_scopes(n.net, scopes, per_chip, m.images);
  return m;
}

}  // namespace lvsim
