// lvsim's version, reported by `lvsim --version` and stamped into every JSON report.
#pragma once

namespace lvsim {
inline constexpr const char* kVersion = "0.1.0";
}
