#include "memory/ber_curve_failure_model.h"

#include <algorithm>
#include <cmath>

namespace lvsim {

BerCurveFailureModel::BerCurveFailureModel(std::vector<std::pair<double, double>> points)
    : points_(std::move(points)) {}

double BerCurveFailureModel::failure_probability(double voltage_v) const {
  if (voltage_v <= points_.front().first) return points_.front().second;
  if (voltage_v >= points_.back().first) return points_.back().second;
  auto it = std::upper_bound(points_.begin(), points_.end(), voltage_v,
                             [](double v, const std::pair<double, double>& p) { return v < p.first; });
  const auto& [v1, p1] = *it;
  const auto& [v0, p0] = *(it - 1);
  if (voltage_v == v0 || p0 == 0.0) return p0;
  if (p1 == 0.0 && voltage_v >= v1) return 0.0;
  double end = p1 > 0.0 ? p1 : std::min(kZeroFloor, p0);
  double t = (voltage_v - v0) / (v1 - v0);
  return std::exp(std::log(p0) + t * (std::log(end) - std::log(p0)));
}

double BerCurveFailureModel::min_voltage_v() const {
  return points_.front().first;
}
double BerCurveFailureModel::max_voltage_v() const {
  return points_.back().first;
}

std::pair<double, double> BerCurveFailureModel::search_bracket_v() const {
  // A cell still failing at the highest point gets failure voltage max + 1 V (docs/fault-maps.md).
  return {points_.front().first, points_.back().first + 1.0};
}

}  // namespace lvsim
