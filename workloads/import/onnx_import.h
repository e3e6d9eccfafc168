// Import of ONNX models (docs/importing-models.md): the graph is read with Debian's ONNX library
// (libonnx-dev's generated protobuf classes) and translated node by node into an lvsim-network v1
// document, which the network importer then validates, folds (batch norm) and quantizes exactly as
// a hand-written file. Float models take a weight quantization scheme; QDQ models
// (QuantizeLinear/DequantizeLinear pairs) give the integer weights and activation scales.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "workloads/network/network.h"
#include "workloads/network/quantization.h"

namespace lvsim {

/// What an ONNX file does not say and the user must: preprocessing of the raw 8-bit pixels and,
/// for float weights, the quantization scheme. Each value given here overrides the model's
/// metadata entry "lvsim" (written by tools/torch/export.py); nothing is assumed.
struct OnnxImportOptions {
  std::optional<WeightQuantScheme> weight_scheme;  // float weights only
  std::optional<double> pixel_scale;               // p -> p * pixel_scale
  std::vector<double> mean, std;                   // per input channel (empty: not given)
  std::string name;                                // network name (empty: the model's graph name or file stem)
};

/// ConfigError naming the option ("command line: --pixel-scale: ...") for a preprocessing value that
/// is not finite, or not > 0 where a scale is.
void check_onnx_import_options(const OnnxImportOptions& options);

/// True when `path` names an ONNX model: extension ".onnx" (any case).
bool is_onnx_path(const std::string& path);

/// The lvsim-network v1 document of an ONNX model. ConfigError / FormatError naming the file and
/// the node (by name and operator) for an unreadable file, an unsupported operator or opset,
/// dynamic input dimensions, or a quantization that does not fit lvsim's arithmetic.
nlohmann::json onnx_to_network_json(const std::string& path, const OnnxImportOptions& options);

/// The same from the model's bytes (a model exported in memory); `origin` names it in messages.
nlohmann::json onnx_bytes_to_network_json(const std::string& bytes, const std::string& origin,
                                          const OnnxImportOptions& options);

/// onnx_to_network_json followed by the network importer (finalized when every quantization is
/// given, else ready for calibration, as load_network).
Network load_onnx_network(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace lvsim
