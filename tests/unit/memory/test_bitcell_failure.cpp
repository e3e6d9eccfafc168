// Bit-cell failure models: p(V) against independent computations, params validation.
#include <catch2/catch.hpp>

#include <cmath>

#include "common/errors.h"
#include "memory/ber_curve_failure_model.h"
#include "memory/bitcell_failure_model.h"
#include "memory/normal_failure_model.h"
#include "memory_test_util.h"

using namespace lvsim;
using lvsim::test::upper_tail_by_integration;

namespace {

BitcellFailureParams parse(const nlohmann::json& j) {
  JsonObject o(j, "tech.json", "bitcell_failure");
  return BitcellFailureParams::from_json(o);
}

}  // namespace

TEST_CASE("normal model: p(V) = 1 - Phi((V - mean) / sigma)", "[bitcell]") {
  NormalFailureModel m(0.10, 0.14);
  for (double v : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    double expected = upper_tail_by_integration(v, 0.10, 0.14);
    CHECK(m.failure_probability(v) == Approx(expected).epsilon(1e-6));
  }
  CHECK(m.failure_probability(0.10) == Approx(0.5));
  // Non-increasing in voltage.
  for (double v = -0.5; v < 1.5; v += 0.01) CHECK(m.failure_probability(v + 0.01) <= m.failure_probability(v));
}

TEST_CASE("ber curve: log-linear interpolation, p = 0 points, clamping", "[bitcell]") {
  // Points chosen so the interpolated values are exact powers of ten by hand:
  // between (0.80, 1e-2) and (0.90, 1e-4) log10 p falls linearly from -2 to -4.
  BerCurveFailureModel m({{0.80, 1e-2}, {0.90, 1e-4}, {1.00, 0.0}});
  CHECK(m.failure_probability(0.85) == Approx(1e-3).epsilon(1e-12));
  CHECK(m.failure_probability(0.825) == Approx(std::pow(10.0, -2.5)).epsilon(1e-12));
  CHECK(m.failure_probability(0.80) == 1e-2);
  CHECK(m.failure_probability(0.90) == 1e-4);
  // Into a p = 0 point the curve heads for the 1e-12 floor: at the midpoint sqrt(1e-4 * 1e-12).
  CHECK(m.failure_probability(0.95) == Approx(1e-8).epsilon(1e-9));
  CHECK(m.failure_probability(1.00) == 0.0);
  CHECK(m.failure_probability(1.20) == 0.0);
  CHECK(m.failure_probability(0.70) == 1e-2);  // clamped below the curve
  CHECK(m.min_voltage_v() == 0.80);
  CHECK(m.max_voltage_v() == 1.00);
}

TEST_CASE("failure voltage inverts p(V)", "[bitcell]") {
  NormalFailureModel n(0.10, 0.14);
  CHECK(n.failure_voltage(0.5) == Approx(0.10).margin(1e-12));
  // u = P(Z > 1) (by integration) -> mean + sigma.
  double u = upper_tail_by_integration(0.24, 0.10, 0.14);
  CHECK(n.failure_voltage(u) == Approx(0.24).margin(1e-7));
  BerCurveFailureModel c({{0.80, 1e-2}, {0.90, 1e-4}, {1.00, 0.0}});
  CHECK(c.failure_voltage(1e-3) == Approx(0.85).margin(1e-12));
  CHECK(c.failure_voltage(0.5) == 0.80);  // never fails inside the curve's range
}

TEST_CASE("bitcell_failure params: both models parse", "[bitcell]") {
  auto p = parse({{"model", "normal"},
                  {"mean_v", 0.43},
                  {"sigma_v", 0.035},
                  {"sigma_bank_v", 0.01},
                  {"cell_types", {{"stuck_at_0", 0.25}, {"stuck_at_1", 0.25}, {"read_flip", 0.5}}}});
  CHECK(p.model == "normal");
  CHECK(p.mean_v == 0.43);
  CHECK(p.sigma_v == 0.035);
  CHECK(p.sigma_bank_v == 0.01);
  CHECK(p.cell_types.stuck_at_1 == 0.25);
  auto c = parse({{"model", "ber_curve"}, {"points", {{0.76, 0.2}, {0.88, 1e-3}, {1.0, 0.0}}}});
  REQUIRE(c.points.size() == 3);
  CHECK(c.points[1].first == 0.88);
  CHECK(c.cell_types.read_flip == 1.0);  // default: the seed work's random bit flips
}

TEST_CASE("bitcell_failure params: errors name file and field", "[bitcell]") {
  auto fails_with = [](const nlohmann::json& j, const std::string& needle) {
    try {
      parse(j);
      FAIL("no error for " << j.dump());
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      CHECK(msg.find("tech.json") != std::string::npos);
      CHECK(msg.find(needle) != std::string::npos);
    }
  };
  fails_with({{"model", "normal"}, {"mean_v", 0.1}, {"sigma_v", 0.0}}, "bitcell_failure.sigma_v");
  fails_with({{"model", "normal"}, {"mean_v", 0.1}}, "bitcell_failure.sigma_v");
  fails_with({{"model", "normal"}, {"mean_v", 0.1}, {"sigma_v", 0.1}, {"sigma", 1}}, "bitcell_failure.sigma");
  fails_with({{"model", "weibull"}}, "bitcell_failure.model");
  fails_with({{"model", "ber_curve"}, {"points", {{0.8, 1e-3}, {0.9, 1e-2}}}}, "bitcell_failure.points[1]");
  fails_with({{"model", "ber_curve"}, {"points", {{0.8, 1e-3}, {0.8, 1e-4}}}}, "bitcell_failure.points[1]");
  fails_with({{"model", "ber_curve"}, {"points", {{0.8, -0.1}}}}, "bitcell_failure.points[0]");
  fails_with({{"model", "ber_curve"}, {"points", {{0.8, 1.5}}}}, "bitcell_failure.points[0]");
  fails_with({{"model", "ber_curve"}, {"points", {{0.8, 1e-3}}}, {"cell_types", {{"stuck_at_0", 0.5}}}},
             "bitcell_failure.cell_types");
}
