// FaultSource: each kind gives exactly the faults of the model or map it wraps (same cells, same
// types, at every point), names itself as the reports do, and adds a transient rate only for chips
// whose technology has one.
#include <catch2/catch.hpp>

#include <vector>

#include "common/errors.h"
#include "memory/chip_fault_model.h"
#include "memory/fault_source.h"
#include "memory/rate_fault_model.h"

using namespace lvsim;

namespace {

const FaultGeometry kGeom{4, 256, 64, 0};

bool same_cells(const FaultMap& a, const FaultMap& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.cells().size(); ++i) {
    const CellFault &x = a.cells()[i], &y = b.cells()[i];
    if (x.bank != y.bank || x.row != y.row || x.cell != y.cell || x.type != y.type) return false;
  }
  return true;
}

BitcellFailureParams chip_params() {
  BitcellFailureParams p;
  p.model = "normal";
  p.mean_v = 0.5;
  p.sigma_v = 0.1;
  p.transient_points = {{0.6, 1e-3}, {0.8, 1e-5}};
  return p;
}

}  // namespace

TEST_CASE("fault source: a chip gives its chip model's faults, voltage by voltage, and its transient rate",
          "[fault_source]") {
  const BitcellFailureParams p = chip_params();
  FaultSource source = FaultSource::chip(p, kGeom, 7);
  ChipFaultModel model(p, kGeom, 7);
  CHECK(source.kind() == FaultSource::Kind::Chip);
  CHECK(std::string(source.name()) == "chip");
  for (double v : {0.8, 0.7, 0.65, 0.75}) {  // not monotone: nesting must not depend on the order
    const FaultMap a = source.faults_at(v), b = model.faults_at(v);
    CHECK(a.size() > 0);
    CHECK(same_cells(a, b));
    CHECK(source.transient_ber_at(v) == p.transient_ber_at(v));
    CHECK(source.expected_failure_fraction(v) == model.expected_failure_fraction(v));
  }
  CHECK(source.transient_ber_at(0.7) > 0);
  CHECK(!same_cells(FaultSource::chip(p, kGeom, 8).faults_at(0.7), model.faults_at(0.7)));  // another chip
}

TEST_CASE("fault source: a rate source gives its rate model's faults and no transients", "[fault_source]") {
  RateFaultParams rp;
  rp.kind = GENERATE(std::string("bit_flip"), std::string("stuck_at"));
  FaultSource source = FaultSource::rate(rp, kGeom, 3, "--ber-model");
  RateFaultModel model(rp, kGeom, 3);
  CHECK(std::string(source.name()) == "ber");
  for (double rate : {1e-3, 1e-2}) {
    CHECK(same_cells(source.faults_at(rate), model.faults_at(rate)));
    CHECK(source.transient_ber_at(rate) == 0.0);
    CHECK(!source.expected_failure_fraction(rate));
  }
  RateFaultParams bad;
  bad.kind = "melting";
  CHECK_THROWS_AS(FaultSource::rate(bad, kGeom, 3, "--ber-model"), ConfigError);
  CHECK_THROWS_WITH(FaultSource::rate(bad, kGeom, 3, "--ber-model"), Catch::Contains("--ber-model"));
}

TEST_CASE("fault source: a profiled map gives its cells at a voltage (or at any, measured at one)", "[fault_source]") {
  ChipFaultModel chip(chip_params(), kGeom, 11);
  FaultSource profiled = FaultSource::map(chip.profile(0.6));
  CHECK(std::string(profiled.name()) == "fault_map");
  for (double v : {0.6, 0.7, 0.8}) CHECK(same_cells(profiled.faults_at(v), chip.faults_at(v)));
  CHECK(profiled.transient_ber_at(0.6) == 0.0);  // a map holds persistent faults only
  const FaultMap at_065 = chip.faults_at(0.65);
  FaultSource one_voltage = FaultSource::map(ProfiledFaultMap::at_one_voltage(at_065, 0.65));
  for (double v : {0.6, 0.9}) CHECK(same_cells(one_voltage.faults_at(v), at_065));
}
