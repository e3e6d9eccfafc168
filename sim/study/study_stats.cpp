#include "sim/study/study_stats.h"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lvsim {

double student_t_975(int64_t dof) {
  if (dof < 1) throw std::invalid_argument("student_t_975: dof must be >= 1");
  return boost::math::quantile(boost::math::students_t_distribution<double>(double(dof)), 0.975);
}

SampleStats summarize(const std::vector<double>& x) {
  if (x.empty()) throw std::invalid_argument("summarize: empty sample");
  SampleStats s;
  s.n = int64_t(x.size());
  double sum = 0;
  for (double v : x) sum += v;
  s.mean = sum / double(s.n);
  s.min = *std::min_element(x.begin(), x.end());
  s.max = *std::max_element(x.begin(), x.end());
  if (s.n >= 2) {
    double ss = 0;
    for (double v : x) ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / double(s.n - 1));
    const double half = student_t_975(s.n - 1) * s.std / std::sqrt(double(s.n));
    s.ci95_low = s.mean - half;
    s.ci95_high = s.mean + half;
  }
  return s;
}

size_t chips_for_ci_width(const std::vector<double>& x, double ci_width, size_t min_chips) {
  std::vector<double> prefix;
  for (size_t n = 1; n <= x.size(); ++n) {
    prefix.push_back(x[n - 1]);
    if (n < std::max<size_t>(min_chips, 2)) continue;
    const SampleStats s = summarize(prefix);
    if (*s.ci95_high - *s.ci95_low <= ci_width) return n;
  }
  return 0;
}

}  // namespace lvsim
