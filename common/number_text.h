// The one way lvsim writes a number into a message or a file name: printf's %g (six significant
// digits, no trailing zeros: 0.5, 1e+09), which is also what `std::ostream << double` writes.
#pragma once

#include <cstdio>
#include <string>

namespace lvsim {

/// x as %g writes it.
inline std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace lvsim
