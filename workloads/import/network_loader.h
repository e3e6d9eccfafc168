// Loading a network file of either kind: the loader above the lvsim-network JSON reader
// (workloads/network/network_json.h) and the ONNX importer (workloads/import/onnx_import.h), which picks one by the
// file's kind, so neither of the two depends on the other.
#pragma once

#include <string>

#include "workloads/network/network.h"

namespace lvsim {

/// Reads a network file: a path ending in ".onnx" as an ONNX model (load_onnx_network), any other
/// as an lvsim-network JSON file (load_network_json; docs/model-format.md). Finalized when every
/// quantization is known; otherwise the caller calibrates (needs_calibration) and finalizes.
/// ConfigError / FormatError with `file: field: what` for every invalid input.
Network load_network(const std::string& path);

}  // namespace lvsim
