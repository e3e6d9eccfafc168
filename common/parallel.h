// The one way lvsim runs work on several threads: `threads` workers (resolve_threads: the count a
// command uses), worker 0 on the calling thread, joined before returning. Workers pick their items themselves (an
// atomic counter or a stride) and write results to their own slots, so results never depend on the thread count.
#pragma once

#include <thread>
#include <vector>

namespace lvsim {

/// The worker-thread count a command uses: `threads` if positive, else all hardware threads (at least 1).
inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(hc) : 1;
}

/// Calls work(t) for t = 0 .. threads - 1 concurrently (at least once, on this thread).
template <class Work>
void run_on_threads(int threads, Work&& work) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&work, t] { work(t); });
  work(0);
  for (std::thread& th : pool) th.join();
}

}  // namespace lvsim
