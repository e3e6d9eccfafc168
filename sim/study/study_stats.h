// Statistics over a study's chips: mean, sample standard deviation, extremes and the 95%
// confidence interval of the mean (Student's t), and the adaptive chip-count rule built on it.
// Sums run in chip order, so results never depend on how the chips were scheduled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace lvsim {

/// Summary of one sample (e.g. the accuracy of every chip at one voltage).
struct SampleStats {
  int64_t n = 0;
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1 in the denominator); 0 for n = 1
  double min = 0;
  double max = 0;
  // mean -/+ t(0.975, n - 1) * std / sqrt(n); absent for n < 2
  std::optional<double> ci95_low, ci95_high;
};

/// Summarizes x (in the given order). std::invalid_argument if x is empty.
SampleStats summarize(const std::vector<double>& x);

/// The 0.975 quantile of Student's t distribution with `dof` >= 1 degrees of freedom.
double student_t_975(int64_t dof);

/// Adaptive chip count: the smallest n >= min_chips such that the 95% confidence interval of the
/// mean of x[0..n) is at most ci_width wide; 0 if no prefix of x qualifies (more chips needed).
size_t chips_for_ci_width(const std::vector<double>& x, double ci_width, size_t min_chips);

}  // namespace lvsim
