#include "sim/validate/linear_fit.h"

#include <stdexcept>

namespace lvsim {

double linear_fit_r_squared(const std::vector<double>& xs, const std::vector<double>& ys) {
  if (xs.size() != ys.size()) throw std::invalid_argument("linear_fit_r_squared: xs and ys differ in length");
  const size_t n = xs.size();
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += xs[i], my += ys[i];
  mx /= double(n), my /= double(n);
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = xs[i] - mx, dy = ys[i] - my;
    sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
  }
  if (sxx <= 0 || syy <= 0) return 0;
  return sxy * sxy / (sxx * syy);
}

}  // namespace lvsim
