// Fuzz target: a saved `lvsim run --json` report re-costed (recost: the report's action counts,
// images and cycles, on the built-in architecture and technology) (tests/fuzz/fuzz_common.h).
#include "sim/cli/recost.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lvsim::RecostOptions o;
  o.report_path = lvsim::fuzz::write_file("report.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::recost_text(lvsim::recost(o)); });
  return 0;
}
