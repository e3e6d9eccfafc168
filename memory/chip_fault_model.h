// Chip = seed: one simulated chip instance, fully determined by (bit-cell failure params, fault
// geometry, seed). Every cell has a failure voltage; at supply voltage V the failing cells are
// those whose failure voltage is above V — persistent, and nested across voltages. Each failing
// cell's behaviour (stuck-at-0/1, read-flip) comes from its own seeded draw, so it never changes
// with the voltage. Sampling cost is proportional to the failing cells (nested_cell_sampler.h).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "memory/bitcell_failure_model.h"
#include "memory/fault_draws.h"
#include "memory/fault_map.h"
#include "memory/nested_cell_sampler.h"
#include "memory/profiled_fault_map.h"

namespace lvsim {

/// A seeded chip: per-cell failure draws, per-bank/column variation and cell types.
class ChipFaultModel {
 public:
  ChipFaultModel(const BitcellFailureParams& params, const FaultGeometry& geometry, uint64_t seed);

  const FaultGeometry& geometry() const { return geometry_; }
  const BitcellFailureModel& model() const { return *model_; }

  /// The failing cells at voltage_v. ConfigError (field "voltage") outside the model's voltage range.
  /// Not const: materialises cells lazily (the result never depends on the call order).
  FaultMap faults_at(double voltage_v);
  /// faults_at(voltage_v).word_faults(): the input of WeightMemory::set_faults.
  std::vector<std::pair<WordAddress, WordFaultMasks>> word_faults(double voltage_v);
  /// Every cell failing at min_voltage_v or above, each with its failure voltage (a map valid at
  /// any V >= min_voltage_v) — what `lvsim chip --export` writes.
  ProfiledFaultMap profile(double min_voltage_v);

  /// Failure probability of one cell of `bank` at cell position `cell` of its word (with offsets).
  double cell_failure_probability(int bank, int cell, double voltage_v) const;
  /// The expected fraction of failing cells at voltage_v (mean over banks and columns).
  double expected_failure_fraction(double voltage_v) const;
  /// Variation offsets added to the failure voltage of the cells of a bank (die + bank offset) /
  /// (bank, column); the die offset alone.
  double bank_offset_v(int bank) const { return bank_offset_v_[size_t(bank)]; }
  double die_offset_v() const { return die_offset_v_; }
  double column_offset_v(int bank, int cell) const {
    return column_offset_v_[size_t(bank) * size_t(geometry_.cells_per_word()) + size_t(cell)];
  }
  /// The behaviour of cell `index` (row * cells_per_word + cell) of `bank` if it fails.
  CellFaultType cell_type(int bank, int64_t index) const;

 private:
  void check_voltage(double voltage_v) const;
  /// Per cell position of `bank`: p at voltage_v, and the maximum over positions.
  double column_probabilities(int bank, double voltage_v, std::vector<double>& p) const;

  FaultGeometry geometry_;
  CellTypeMix types_;
  std::unique_ptr<BitcellFailureModel> model_;
  uint64_t type_key_;
  double die_offset_v_ = 0.0;
  std::vector<double> bank_offset_v_;
  std::vector<double> column_offset_v_;
  NestedCellSampler sampler_;
};

}  // namespace lvsim
