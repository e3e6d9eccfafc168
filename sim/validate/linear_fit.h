// Least-squares line y = a + b x and its coefficient of determination, for `lvsim validate`'s
// silicon comparison (docs/validation.md).
#pragma once

#include <vector>

namespace lvsim {

/// R^2 of the least-squares line of ys on xs: Sxy^2 / (Sxx Syy) (the squared Pearson correlation).
/// 0 when xs or ys is constant or there are fewer than two points.
double linear_fit_r_squared(const std::vector<double>& xs, const std::vector<double>& ys);

}  // namespace lvsim
