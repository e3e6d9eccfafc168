// Import and export of `lvsim-network` v1 files (docs/model-format.md): strict validation with
// located errors, shape inference, batch-norm folding and import-time weight quantization.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "workloads/network/network.h"

namespace lvsim {

/// Reads, validates and imports an lvsim-network file. Finalizes it (finalize_network) when every
/// quantization is given in the file; otherwise the caller calibrates the missing activation
/// quantizations (see needs_calibration) and then calls finalize_network.
/// ConfigError / FormatError with `file: field: what` for every invalid input. Any network file,
/// ONNX included: load_network (workloads/import/network_loader.h).
Network load_network_json(const std::string& path);

/// As load_network_json, from an already parsed document; `origin` names the file in messages.
Network import_network(const nlohmann::json& doc, const std::string& origin);

/// The v1 document of a finalized network: quantized weights (base64 codes), int32 biases and
/// every quantization. Loading it back gives the same Network (except bias_real and source_file).
nlohmann::json export_network(const Network& net);

/// Writes export_network(net) to `path` atomically (path.tmp, then rename). ConfigError if the
/// file cannot be written; std::logic_error if the network is not finalized.
void save_network(const Network& net, const std::string& path);

}  // namespace lvsim
