#include "sim/import_command.h"

#include <algorithm>

#include "common/errors.h"
#include "common/output_file.h"
#include "sim/threads.h"
#include "workloads/dataset.h"
#include "workloads/network_finalize.h"
#include "workloads/network_json.h"

namespace lvsim {

namespace {

// Calibrates `net` when it needs it; returns the training images used (0: none needed).
// ConfigError when it needs it and no data was given (`what_to_pass` names the option).
int64_t calibrate_if_needed(Network& net, const CalibrationSource& c, const std::string& what_to_pass) {
  if (!needs_calibration(net)) return 0;
  if (c.data.empty())
    throw ConfigError(located(net.source_file, "", "activation quantization incomplete: give " + what_to_pass));
  const Dataset train = load_dataset(c.data, Split::Train, c.images);
  check_fits(train, net);
  calibrate(net, train, c.images, c.method, resolve_threads(c.threads));
  return std::min(c.images, train.count);
}

std::string summary(const Network& net, const std::string& out, int64_t calib_images) {
  return "wrote " + out + ": " + std::to_string(net.layers.size()) + " layers, " + std::to_string(net.total_weights()) +
         " weights, " + std::to_string(net.total_macs()) + " MAC/image" +
         (calib_images ? ", calibrated on " + std::to_string(calib_images) + " training images" : "") + "\n";
}

}  // namespace

std::string run_import_command(const ImportCommandOptions& o) {
  const nlohmann::json doc = onnx_to_network_json(o.model_path, o.onnx);
  Network net = import_network(doc, o.model_path);  // validates the translation either way
  net.source_file = o.model_path;
  if (needs_calibration(net) && o.calib.data.empty()) {
    write_file_atomically(o.out_path, doc.dump(1) + "\n");
    return "wrote " + o.out_path + ": " + std::to_string(net.layers.size()) +
           " layers; activation quantization left to calibration (lvsim run, or lvsim import --calib-data)\n";
  }
  const int64_t used = calibrate_if_needed(net, o.calib, "--calib-data");
  save_network(net, o.out_path);
  return summary(net, o.out_path, used);
}

std::string run_calibrate_command(const CalibrateCommandOptions& o) {
  Network net = load_network(o.network_path);
  const int64_t used = calibrate_if_needed(net, o.calib, "--data");
  save_network(net, o.out_path);
  return summary(net, o.out_path, used);
}

}  // namespace lvsim
