#include "workloads/import/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "common/errors.h"
#include "common/input_file.h"
#include "workloads/import/onnx_translator.h"
#include "workloads/network/network_json.h"

namespace lvsim {

using onnx_detail::lower;
using onnx_detail::OnnxTranslator;

namespace {

onnx::ModelProto parse_model(const std::string& bytes, const std::string& path) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw FormatError(located(path, "", "not a readable ONNX model (protobuf parse failed: truncated or not ONNX)"));
  if (!model.has_graph()) throw FormatError(located(path, "graph", "missing: not an ONNX model"));
  return model;
}

}  // namespace

bool is_onnx_path(const std::string& path) {
  return lower(std::filesystem::path(path).extension().string()) == ".onnx";
}

namespace {
std::string fmt_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

void check_onnx_import_options(const OnnxImportOptions& o) {
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (o.pixel_scale && !positive(*o.pixel_scale))
    throw ConfigError("command line: --pixel-scale: must be a finite number > 0, got " + fmt_number(*o.pixel_scale));
  for (double m : o.mean)
    if (!std::isfinite(m)) throw ConfigError("command line: --mean: must be finite numbers, got " + fmt_number(m));
  for (double sd : o.std)
    if (!positive(sd)) throw ConfigError("command line: --std: must be finite numbers > 0, got " + fmt_number(sd));
}

nlohmann::json onnx_to_network_json(const std::string& path, const OnnxImportOptions& options) {
  check_onnx_import_options(options);
  return onnx_bytes_to_network_json(read_input_file(path, kMaxModelFileBytes), path, options);
}

nlohmann::json onnx_bytes_to_network_json(const std::string& bytes, const std::string& origin,
                                          const OnnxImportOptions& options) {
  check_onnx_import_options(options);
  const onnx::ModelProto model = parse_model(bytes, origin);
  return OnnxTranslator(model, origin, options).run();
}

Network load_onnx_network(const std::string& path, const OnnxImportOptions& options) {
  Network net = import_network(onnx_to_network_json(path, options), path);
  net.source_file = path;
  return net;
}

}  // namespace lvsim
