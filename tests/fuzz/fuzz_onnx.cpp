// Fuzz target: ONNX import (load_onnx_network: protobuf parse, graph translation, the network
// importer). The input is the .onnx file; it is imported twice, with no options (the model's
// metadata must say everything) and with every option given (float models then reach quantization).
#include "tests/fuzz/fuzz_common.h"
#include "workloads/import/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("model.onnx", data, size);
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_onnx_network(path); });
  lvsim::OnnxImportOptions options;
  options.weight_scheme = lvsim::WeightQuantScheme::robust(8);
  options.pixel_scale = 1.0 / 255;
  options.mean = {0.5};
  options.std = {0.25};
  lvsim::fuzz::expect_result_or_user_error([&] { (void)lvsim::load_onnx_network(path, options); });
  return 0;
}
