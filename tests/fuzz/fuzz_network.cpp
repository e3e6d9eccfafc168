// Fuzz target: the network JSON importer (load_network: parse, validate, fold, quantize) (tests/fuzz/fuzz_common.h).
#include "tests/fuzz/fuzz_common.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("network.json", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_network(path); });
  return 0;
}
