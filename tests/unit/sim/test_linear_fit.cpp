// R^2 of a least-squares line (sim/validate/linear_fit.h) against a hand-computed example.
#include <catch2/catch.hpp>

#include "sim/validate/linear_fit.h"

using namespace lvsim;

TEST_CASE("linear fit R2: hand-computed example and degenerate inputs", "[validate]") {
  // x = 1..4, y = 2, 4, 5, 4: means 2.5 and 3.75; Sxx = 5, Syy = 4.75, Sxy = 3.5;
  // R2 = 3.5^2 / (5 * 4.75) = 12.25 / 23.75 = 0.515789...
  CHECK(linear_fit_r_squared({1, 2, 3, 4}, {2, 4, 5, 4}) == Approx(12.25 / 23.75).epsilon(1e-12));
  CHECK(linear_fit_r_squared({1, 2, 3}, {5, 7, 9}) == Approx(1.0));  // exactly linear
  CHECK(linear_fit_r_squared({1, 2, 3}, {9, 7, 5}) == Approx(1.0));  // a falling line fits as well
  CHECK(linear_fit_r_squared({1, 1, 1}, {1, 2, 3}) == 0.0);          // constant x: no fit
  CHECK(linear_fit_r_squared({1}, {1}) == 0.0);
  CHECK_THROWS(linear_fit_r_squared({1, 2}, {1}));
}
