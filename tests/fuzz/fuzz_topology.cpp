// Fuzz target: the SCALE-Sim topology CSV reader (read_topology_csv) (tests/fuzz/fuzz_common.h).
#include "tests/fuzz/fuzz_common.h"
#include "workloads/network/topology.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("topology.csv", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::read_topology_csv(path); });
  return 0;
}
