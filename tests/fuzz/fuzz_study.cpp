// Fuzz target: the study file (read_study_file, then its validation) (tests/fuzz/fuzz_common.h).
#include "sim/study/study_spec.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("study.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { lvsim::read_study_file(path).validate(path); });
  return 0;
}
