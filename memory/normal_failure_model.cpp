#include "memory/normal_failure_model.h"

#include <cmath>
#include <limits>

namespace lvsim {

NormalFailureModel::NormalFailureModel(double mean_v, double sigma_v) : mean_v_(mean_v), sigma_v_(sigma_v) {}

double NormalFailureModel::failure_probability(double voltage_v) const {
  // 1 - Phi(z) = erfc(z / sqrt 2) / 2: accurate deep in the upper tail, where p is tiny.
  return 0.5 * std::erfc((voltage_v - mean_v_) / (sigma_v_ * std::sqrt(2.0)));
}

double NormalFailureModel::min_voltage_v() const {
  return -std::numeric_limits<double>::infinity();
}
double NormalFailureModel::max_voltage_v() const {
  return std::numeric_limits<double>::infinity();
}

std::pair<double, double> NormalFailureModel::search_bracket_v() const {
  return {mean_v_ - 40.0 * sigma_v_, mean_v_ + 40.0 * sigma_v_};
}

}  // namespace lvsim
