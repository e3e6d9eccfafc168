#include "workloads/network_loader.h"

#include "workloads/network_json.h"
#include "workloads/onnx_import.h"

namespace lvsim {

Network load_network(const std::string& path) {
  // An ONNX model (by its extension) loads through the ONNX importer, so every command taking a
  // network file takes a model too (docs/importing-models.md).
  if (is_onnx_path(path)) return load_onnx_network(path);
  return load_network_json(path);
}

}  // namespace lvsim
