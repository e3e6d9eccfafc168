// Cell failure voltage ~ Normal(mean_v, sigma_v): p(V) = P(failure voltage > V) = 1 - Phi((V - mean) / sigma).
#pragma once

#include "memory/bitcell_failure_model.h"

namespace lvsim {

/// Gaussian process-variation model of a bit-cell's failure voltage.
class NormalFailureModel : public BitcellFailureModel {
 public:
  NormalFailureModel(double mean_v, double sigma_v);
  double failure_probability(double voltage_v) const override;
  double min_voltage_v() const override;
  double max_voltage_v() const override;

 protected:
  std::pair<double, double> search_bracket_v() const override;

 private:
  double mean_v_;
  double sigma_v_;
};

}  // namespace lvsim
