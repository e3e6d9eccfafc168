// The fault models' statistics on fixed seeds against their closed forms (docs/validation.md
// "Fault models"): a 16-bank x 2048-row x 64-bit weight SRAM (2,097,152 cells), the 45 nm preset's
// bit-cell failure parameters.
#include <fmt/format.h>

#include <cmath>
#include <set>
#include <tuple>

#include "memory/chip_fault_model.h"
#include "memory/rate_fault_model.h"
#include "sim/cli/presets.h"
#include "sim/validate/validation_check.h"

namespace lvsim {
namespace {

constexpr uint64_t kSeed = 1;

FaultGeometry sram_geometry() {
  FaultGeometry g;
  g.banks = 16;
  g.rows = 2048;
  g.data_bits = 64;
  return g;
}

// A failing-cell count against its expectation n p: error in binomial standard deviations.
ValidationCheck within_sigmas(const std::string& what, double cells, double p, double failing) {
  const double expected = cells * p, sigma = std::sqrt(cells * p * (1 - p));
  const double z = (failing - expected) / sigma;
  return {"fault-model", what, expected, failing, z, "sigma", "|e| <= 4", std::abs(z) <= 4};
}

using CellKey = std::tuple<int, int64_t, int>;

std::set<CellKey> cell_set(const FaultMap& m) {
  std::set<CellKey> s;
  for (const CellFault& c : m.cells()) s.insert({c.bank, c.row, c.cell});
  return s;
}

}  // namespace

std::vector<ValidationCheck> fault_model_checks(const ValidationPaths& p) {
  (void)p;
  std::vector<ValidationCheck> out;
  const FaultGeometry g = sram_geometry();
  const double cells = double(g.cells());
  for (double ber : {1e-4, 1e-2}) {
    RateFaultModel rate(RateFaultParams{}, g, kSeed);
    out.push_back(within_sigmas(fmt::format("rate model, BER {:g}: failing cells", ber), cells, ber,
                                double(rate.faults_at(ber).size())));
  }
  const TechnologyParams tech = load_technology("");
  ChipFaultModel chip(*tech.bitcell_failure, g, kSeed);
  for (double v : {0.45, 0.5}) {
    out.push_back(within_sigmas(fmt::format("chip model (45nm), {:.2f} V: failing cells vs expected fraction", v),
                                cells, chip.expected_failure_fraction(v), double(chip.faults_at(v).size())));
  }
  const std::set<CellKey> high = cell_set(chip.faults_at(0.5)),
                          low = cell_set(ChipFaultModel(*tech.bitcell_failure, g, kSeed).faults_at(0.45));
  double outside = 0;
  for (const CellKey& c : high) outside += low.count(c) == 0;
  out.push_back({"fault-model", "chip model nesting: cells failing at 0.50 V not failing at 0.45 V", 0, outside,
                 outside, "cells", "== 0", outside == 0});
  return out;
}

}  // namespace lvsim
