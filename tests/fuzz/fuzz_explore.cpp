// Fuzz target: the exploration file (read_exploration_file, then its validation against the
// built-in architecture, and the design points of grids up to 1,000 points)
// (tests/fuzz/fuzz_common.h).
#include "sim/study/explore.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("exploration.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] {
    lvsim::ExploreSpec s = lvsim::read_exploration_file(path);
    s.arch_path.clear();  // the built-in architecture: the fuzzer's bytes are the exploration file
    s.tech_path.clear();
    s.validate(path);
    int64_t points = s.points.empty() ? 1 : int64_t(s.points.size());
    for (const lvsim::ExploreAxis& a : s.axes)
      if (s.points.empty()) points *= int64_t(a.values.size());
    if (points <= 1000) (void)s.design_points();
  });
  return 0;
}
