// The shipped technology presets carry bit-cell failure models the fault machinery accepts, with
// the rates of their sources (docs/references.md: 45 nm DPCS model fit, 14 nm profiled curve).
#include <catch2/catch.hpp>

#include <cmath>

#include "common/json_reader.h"
#include "energy/technology.h"
#include "memory/bitcell_failure_model.h"

using namespace lvsim;

namespace {
std::unique_ptr<BitcellFailureModel> preset_model(const std::string& name) {
  const std::string path = std::string(LVSIM_SOURCE_DIR) + "/presets/tech/" + name;
  const TechnologyParams tech = TechnologyParams::from_json_file(path);
  REQUIRE(tech.bitcell_failure);
  return make_bitcell_failure_model(*tech.bitcell_failure);
}
}  // namespace

TEST_CASE("14 nm preset: the profiled curve's points, in V/Vmin", "[memory][presets]") {
  auto m = preset_model("14nm-normalized.json");
  CHECK(m->failure_probability(0.84) == Approx(1e-2).epsilon(1e-6));
  CHECK(m->failure_probability(0.88) == Approx(1e-3).epsilon(1e-6));
  CHECK(m->failure_probability(1.0) == 0.0);
  // Log-linear between 0.84 (1e-2) and 0.88 (1e-3): 10^-2.5 at 0.86.
  CHECK(m->failure_probability(0.86) == Approx(std::pow(10.0, -2.5)).epsilon(1e-6));
}

TEST_CASE("45 nm preset: cell failure voltage ~ Normal(0.10 V, 0.14 V)", "[memory][presets]") {
  auto m = preset_model("45nm.json");
  // 1 - Phi((0.5 - 0.10) / 0.14) = 1 - Phi(2.857) = 2.14e-3 (DPCS, Gottscho et al. TACO 2015:
  // 1.9e-3 at 0.5 V).
  CHECK(m->failure_probability(0.5) == Approx(0.5 * std::erfc(2.857142857 / std::sqrt(2.0))).epsilon(1e-6));
  CHECK(m->failure_probability(0.5) > 1e-3);
  CHECK(m->failure_probability(0.9) < 1e-7);
}
