// The worker-thread count a command uses.
#pragma once

#include <thread>

namespace lvsim {

/// `threads` if positive, else all hardware threads (at least 1).
inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(hc) : 1;
}

}  // namespace lvsim
