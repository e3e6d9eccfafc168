// `lvsim sensitivity`: which layers, and which bit positions of the stored weight patterns, a
// network's accuracy depends on under the weight SRAM's faults. At one operating point (a voltage
// or a fault rate) and on a list of chips, every scope -- all layers (the reference), one layer,
// or one bit position of every layer -- is evaluated with each chip's faults kept inside the scope
// only: the weights as the faulty SRAM delivers them there, the weights as stored everywhere else.
// All scopes of a chip see the same fault map (docs/studies.md, "Sensitivity map").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/architecture.h"
#include "models/run_mode.h"
#include "sim/study/study_spec.h"
#include "sim/study/study_stats.h"
#include "workloads/data/dataset.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Which scopes a map covers besides the all-layers reference: each layer, each bit position, or both.
enum class SensitivityBy { Layer, Bit, Both };
const char* sensitivity_by_name(SensitivityBy by);  // "layer" | "bit" | "both"
/// ConfigError naming `field` unless `name` is layer, bit or both.
SensitivityBy sensitivity_by_from_name(const std::string& name, const std::string& field);

/// One map: a study of one network at one swept value (a voltage or a rate), persistent faults only.
struct SensitivitySpec {
  StudySpec study;
  SensitivityBy by = SensitivityBy::Layer;
  /// ConfigError (located at `origin`) unless the study has one network, one value, no transient
  /// read errors and a fast or golden mode; then the study's own checks.
  void validate(const std::string& origin) const;
};

/// Where a chip's faults are kept: everywhere, in one layer's parameters, or in one bit position of
/// every layer's patterns.
struct SensitivityScope {
  enum class Kind { All, Layer, Bit };
  Kind kind = Kind::All;
  int layer = -1;  // Kind::Layer: index into Network::layers
  int bit = -1;    // Kind::Bit: bit of the stored pattern, 0 = least significant
};
const char* scope_kind_name(SensitivityScope::Kind k);  // "all" | "layer" | "bit"

/// The scopes of a map, in output order: all; then every layer whose parameters sit in the weight
/// SRAM (by layer); then bits 0 .. widest pattern - 1 (by bit).
std::vector<SensitivityScope> sensitivity_scopes(const Network& net, SensitivityBy by);

/// `stored` with the weights as read (`faulty`) inside `scope` only: a layer's patterns taken
/// whole, a bit position's bit taken from `faulty` in every layer, everything else as stored.
LayerWeights weights_in_scope(const Network& net, const LayerWeights& stored, const LayerWeights& faulty,
                              const SensitivityScope& scope);

/// Weight bits held in the weight SRAM inside `scope`.
int64_t scope_bits_stored(const Network& net, const SensitivityScope& scope);

/// One chip in one scope: the test images right, and wrong clean or with the faults (RErr's
/// numerator), and the weight bits / weights read wrong inside the scope.
struct ScopeChipResult {
  int64_t correct = 0, robust_wrong = 0;
  int64_t bit_errors = 0, weights_changed = 0;
};

/// What evaluating the scopes of one chip needs besides its weights as read.
struct ScopeEvaluation {
  RunMode mode = RunMode::Fast;  // fast or golden
  const ArchitectureParams* arch = nullptr;
  const Network* net = nullptr;
  const LayerWeights* stored = nullptr;
  const std::vector<int>* clean_predictions = nullptr;
  const Dataset* test = nullptr;
  int threads = 1;  // never changes a result
};

/// Every scope on one chip whose weights read back as `faulty`. A scope without a wrong bit takes
/// the clean predictions (exact: the weights are the stored ones).
std::vector<ScopeChipResult> evaluate_scopes(const ScopeEvaluation& e, const LayerWeights& faulty,
                                             const std::vector<SensitivityScope>& scopes);

/// One row of the map: a scope over the chips (in chip order).
struct SensitivityRow {
  SensitivityScope scope;
  std::string layer_name;  // the layer's name; "all" for the all and bit scopes
  int64_t bits_stored = 0;
  SampleStats accuracy, robust_error;
  double bit_errors_mean = 0, weights_changed_mean = 0;
};

/// A finished map with what it was run on.
struct SensitivityMap {
  std::string network, network_file, architecture, technology, data_dir;
  StudyAxis axis = StudyAxis::VSram;
  double value = 0;  // the voltage (V) or rate
  std::string fault_model;
  double stuck_at_1_fraction = 0;
  std::string ecc;  // the weight SRAM's ECC (architecture weight_sram.ecc)
  std::vector<uint64_t> chip_seeds;
  int64_t images = 0;
  RunMode mode = RunMode::Fast;
  SensitivityBy by = SensitivityBy::Layer;
  double accuracy_clean = 0;
  std::vector<SensitivityRow> rows;
};

/// Rows from per-chip results (`per_chip[c][s]`: chip c, scope s).
std::vector<SensitivityRow> summarize_scopes(const Network& net, const std::vector<SensitivityScope>& scopes,
                                             const std::vector<std::vector<ScopeChipResult>>& per_chip, int64_t images);

/// Loads everything once (as a study does), then per chip reads the weights with its faults once
/// and evaluates every scope. `on_chip(done, total)` after each chip. Deterministic for any threads.
SensitivityMap run_sensitivity(const SensitivitySpec& spec, int threads,
                               const std::function<void(int64_t, int64_t)>& on_chip = {});

}  // namespace lvsim
