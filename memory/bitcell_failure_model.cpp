#include "memory/bitcell_failure_model.h"

#include <cmath>

#include "memory/ber_curve_failure_model.h"
#include "memory/normal_failure_model.h"

namespace lvsim {

CellTypeMix CellTypeMix::from_json(JsonObject& o) {
  CellTypeMix m;
  m.stuck_at_0 = o.get_double("stuck_at_0", 0.0, 1.0, 0.0);
  m.stuck_at_1 = o.get_double("stuck_at_1", 0.0, 1.0, 0.0);
  m.read_flip = o.get_double("read_flip", 0.0, 1.0, 0.0);
  o.finish();
  double sum = m.stuck_at_0 + m.stuck_at_1 + m.read_flip;
  if (std::abs(sum - 1.0) > 1e-9)
    throw ConfigError(
        located(o.file(), o.path(), "stuck_at_0 + stuck_at_1 + read_flip must be 1 (is " + std::to_string(sum) + ")"));
  return m;
}

namespace {

/// A non-empty array of [voltage_v, probability] pairs, voltages strictly increasing, the
/// probability in [0, 1] and non-increasing with the voltage (cells fail less at higher voltage).
std::vector<std::pair<double, double>> read_curve(JsonObject& o, const std::string& key, const std::string& what) {
  const nlohmann::json& pts = o.at(key);
  if (!pts.is_array() || pts.empty()) o.fail(key, "expected a non-empty array of [voltage_v, " + what + "] pairs");
  std::vector<std::pair<double, double>> curve;
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string field = key + "[" + std::to_string(i) + "]";
    const auto& pt = pts[i];
    if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number())
      o.fail(field, "expected [voltage_v, " + what + "]");
    const double v = pt[0].get<double>(), prob = pt[1].get<double>();
    if (!std::isfinite(v)) o.fail(field, "voltage is not finite");
    if (!(prob >= 0.0 && prob <= 1.0)) o.fail(field, what + " = " + std::to_string(prob) + " outside [0, 1]");
    if (!curve.empty()) {
      if (!(v > curve.back().first)) o.fail(field, "voltages must be strictly increasing");
      if (prob > curve.back().second)
        o.fail(field, what + " must not increase with voltage (cells fail less at higher voltage)");
    }
    curve.emplace_back(v, prob);
  }
  return curve;
}

}  // namespace

double BitcellFailureParams::transient_ber_at(double voltage_v) const {
  if (transient_points.empty()) return 0.0;
  return BerCurveFailureModel(transient_points).failure_probability(voltage_v);
}

BitcellFailureParams BitcellFailureParams::from_json(JsonObject& o) {
  BitcellFailureParams p;
  p.model = o.get_enum("model", {"normal", "ber_curve"});
  if (p.model == "normal") {
    p.mean_v = o.get_double("mean_v", -10.0, 10.0);
    p.sigma_v = o.get_double("sigma_v", 0.0, 10.0);
    if (!(p.sigma_v > 0.0)) o.fail("sigma_v", "must be > 0");
  } else {
    p.points = read_curve(o, "points", "p");
  }
  if (o.has("transient_ber")) p.transient_points = read_curve(o, "transient_ber", "rate");
  p.sigma_chip_v = o.get_double("sigma_chip_v", 0.0, 10.0, 0.0);
  p.sigma_bank_v = o.get_double("sigma_bank_v", 0.0, 10.0, 0.0);
  p.sigma_column_v = o.get_double("sigma_column_v", 0.0, 10.0, 0.0);
  if (o.has("cell_types")) {
    JsonObject t = o.get_object("cell_types");
    p.cell_types = CellTypeMix::from_json(t);
  }
  o.finish();
  return p;
}

double BitcellFailureModel::failure_voltage(double u) const {
  auto [lo, hi] = search_bracket_v();
  if (failure_probability(lo) <= u) return lo;
  if (failure_probability(hi) > u) return hi;
  // Invariant: p(lo) > u >= p(hi).
  for (int i = 0; i < 200; ++i) {
    double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (failure_probability(mid) > u ? lo : hi) = mid;
  }
  return hi;
}

std::unique_ptr<BitcellFailureModel> make_bitcell_failure_model(const BitcellFailureParams& params) {
  if (params.model == "normal") return std::make_unique<NormalFailureModel>(params.mean_v, params.sigma_v);
  return std::make_unique<BerCurveFailureModel>(params.points);
}

}  // namespace lvsim
