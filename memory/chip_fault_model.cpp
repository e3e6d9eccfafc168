#include "memory/chip_fault_model.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/errors.h"
#include "common/number_text.h"

namespace lvsim {

ChipFaultModel::ChipFaultModel(const BitcellFailureParams& params, const FaultGeometry& geometry, uint64_t seed)
    : geometry_(geometry),
      types_(params.cell_types),
      model_(make_bitcell_failure_model(params)),
      type_key_(derive_seed(seed, stream_label("chip-cell-types"))),
      sampler_(derive_seed(seed, stream_label("chip-cells")), geometry.banks, geometry.cells_per_bank()) {
  geometry_.validate("chip", "geometry");
  const int cpw = geometry_.cells_per_word();
  bank_offset_v_.assign(size_t(geometry_.banks), 0.0);
  column_offset_v_.assign(size_t(geometry_.banks) * size_t(cpw), 0.0);
  const uint64_t bank_key = derive_seed(seed, stream_label("chip-bank-offsets"));
  const uint64_t column_key = derive_seed(seed, stream_label("chip-column-offsets"));
  // The die-level offset shifts every cell of this chip alike (chip-to-chip variation); it is
  // folded into every bank's offset.
  SplitMix64 die_rng(derive_seed(seed, stream_label("chip-die-offset")));
  die_offset_v_ = params.sigma_chip_v > 0.0 ? params.sigma_chip_v * standard_normal(die_rng) : 0.0;
  for (int b = 0; b < geometry_.banks; ++b) {
    bank_offset_v_[size_t(b)] = die_offset_v_;
    if (params.sigma_bank_v > 0.0) {
      SplitMix64 rng(derive_seed(bank_key, uint64_t(b)));
      bank_offset_v_[size_t(b)] += params.sigma_bank_v * standard_normal(rng);
    }
    if (params.sigma_column_v > 0.0) {
      for (int c = 0; c < cpw; ++c) {
        SplitMix64 rng(derive_seed(derive_seed(column_key, uint64_t(b)), uint64_t(c)));
        column_offset_v_[size_t(b) * size_t(cpw) + size_t(c)] = params.sigma_column_v * standard_normal(rng);
      }
    }
  }
}

void ChipFaultModel::check_voltage(double voltage_v) const {
  if (!std::isfinite(voltage_v)) throw ConfigError("voltage: not a finite number");
  if (voltage_v < model_->min_voltage_v() || voltage_v > model_->max_voltage_v())
    throw ConfigError("voltage: " + number_text(voltage_v) +
                      " V outside the range of the technology's bit-cell failure curve [" +
                      number_text(model_->min_voltage_v()) + ", " + number_text(model_->max_voltage_v()) + "] V");
}

double ChipFaultModel::cell_failure_probability(int bank, int cell, double voltage_v) const {
  // A positive offset raises the cell's failure voltage: it fails like a nominal cell at V - offset.
  return model_->failure_probability(voltage_v - bank_offset_v(bank) - column_offset_v(bank, cell));
}

double ChipFaultModel::column_probabilities(int bank, double voltage_v, std::vector<double>& p) const {
  const int cpw = geometry_.cells_per_word();
  p.resize(size_t(cpw));
  double max_p = 0.0;
  for (int c = 0; c < cpw; ++c) {
    p[size_t(c)] = cell_failure_probability(bank, c, voltage_v);
    max_p = std::max(max_p, p[size_t(c)]);
  }
  return max_p;
}

double ChipFaultModel::expected_failure_fraction(double voltage_v) const {
  std::vector<double> p;
  double sum = 0.0;
  for (int b = 0; b < geometry_.banks; ++b) {
    column_probabilities(b, voltage_v, p);
    for (double x : p) sum += x;
  }
  return sum / double(geometry_.banks * geometry_.cells_per_word());
}

CellFaultType ChipFaultModel::cell_type(int bank, int64_t index) const {
  return pick_cell_type(types_, hash_uniform(derive_seed(derive_seed(type_key_, uint64_t(bank)), uint64_t(index))));
}

FaultMap ChipFaultModel::faults_at(double voltage_v) {
  check_voltage(voltage_v);
  const int cpw = geometry_.cells_per_word();
  std::vector<CellFault> cells;
  std::vector<double> p;
  for (int b = 0; b < geometry_.banks; ++b) {
    const double max_p = column_probabilities(b, voltage_v, p);
    sampler_.cover(b, max_p);
    for (const NestedCellSampler::Cell& c : sampler_.cells(b)) {
      if (!(c.u < max_p)) continue;  // most materialised cells at high voltages: skip the division
      int col = int(c.index % cpw);
      if (c.u < p[size_t(col)]) cells.push_back({b, c.index / cpw, col, cell_type(b, c.index)});
    }
  }
  return FaultMap(geometry_, std::move(cells));
}

std::vector<std::pair<WordAddress, WordFaultMasks>> ChipFaultModel::word_faults(double voltage_v) {
  return faults_at(voltage_v).word_faults();
}

ProfiledFaultMap ChipFaultModel::profile(double min_voltage_v) {
  check_voltage(min_voltage_v);
  const int cpw = geometry_.cells_per_word();
  std::vector<ProfiledCell> cells;
  std::vector<double> p;
  for (int b = 0; b < geometry_.banks; ++b) {
    sampler_.cover(b, column_probabilities(b, min_voltage_v, p));
    for (const NestedCellSampler::Cell& c : sampler_.cells(b)) {
      int col = int(c.index % cpw);
      if (!(c.u < p[size_t(col)])) continue;
      double vf = model_->failure_voltage(c.u) + bank_offset_v(b) + column_offset_v(b, col);
      cells.push_back({{b, c.index / cpw, col, cell_type(b, c.index)}, vf});
    }
  }
  return ProfiledFaultMap::with_failure_voltages(geometry_, std::move(cells), min_voltage_v);
}

}  // namespace lvsim
