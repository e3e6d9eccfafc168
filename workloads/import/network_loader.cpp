#include "workloads/import/network_loader.h"

#include "workloads/import/onnx_import.h"
#include "workloads/network/network_json.h"

namespace lvsim {

Network load_network(const std::string& path) {
  // An ONNX model (by its extension) loads through the ONNX importer, so every command taking a
  // network file takes a model too (docs/importing-models.md).
  if (is_onnx_path(path)) return load_onnx_network(path);
  return load_network_json(path);
}

}  // namespace lvsim
