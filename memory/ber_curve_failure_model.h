// A measured bit-error-rate curve: p(V) interpolated log-linearly in p between (V, p) points.
#pragma once

#include <utility>
#include <vector>

#include "memory/bitcell_failure_model.h"

namespace lvsim {

/// Piecewise log-linear BER curve (docs/fault-maps.md, "ber_curve").
class BerCurveFailureModel : public BitcellFailureModel {
 public:
  /// p = 0 at a point stands for kZeroFloor when interpolating into it; from the first p = 0
  /// point upwards p is exactly 0.
  static constexpr double kZeroFloor = 1e-12;
  /// Points with strictly increasing voltage and non-increasing p in [0, 1] (checked by the params).
  explicit BerCurveFailureModel(std::vector<std::pair<double, double>> points);
  double failure_probability(double voltage_v) const override;
  double min_voltage_v() const override;
  double max_voltage_v() const override;

 protected:
  std::pair<double, double> search_bracket_v() const override;

 private:
  std::vector<std::pair<double, double>> points_;
};

}  // namespace lvsim
