#include "sim/cli/import_command.h"

#include <algorithm>

#include "common/errors.h"
#include "common/output_file.h"
#include "common/parallel.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/network_json.h"

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
  // The network in memory now is what its saved file will say: every quantization given (so a run
  // of it, as the Python API does without a file, does not calibrate again).
  net.input_quant_given = true;
  for (Layer& l : net.layers)
    if (l.has_weights() || l.type == LayerType::Add || l.type == LayerType::GroupNorm) l.out_quant_given = true;
  return std::min(c.images, train.count);
}

std::string summary(const Network& net, const std::string& out, int64_t calib_images) {
  return "wrote " + out + ": " + std::to_string(net.layers.size()) + " layers, " + std::to_string(net.total_weights()) +
         " weights, " + std::to_string(net.total_macs()) + " MAC/image" +
         (calib_images ? ", calibrated on " + std::to_string(calib_images) + " training images" : "") + "\n";
}

}  // namespace

std::optional<WeightQuantScheme> weight_scheme_from_options(std::optional<int> bits, const std::string& granularity,
                                                            const std::string& symmetry, const std::string& storage,
                                                            const std::string& rounding, std::optional<double> clip) {
  const bool scheme_options =
      !granularity.empty() || !symmetry.empty() || !storage.empty() || !rounding.empty() || clip.has_value();
  if (scheme_options && !bits)
    throw ConfigError("command line: --bits: required with --granularity/--symmetry/--storage/--rounding/--clip");
  if (!bits) return std::nullopt;
  if (*bits < 2 || *bits > 8) throw ConfigError("command line: --bits: " + std::to_string(*bits) + " not in [2 - 8]");
  auto pick = [](const std::string& v, const std::string& flag, const std::string& a, const std::string& b) {
    if (v.empty() || v == a) return true;
    if (v == b) return false;
    throw ConfigError("command line: " + flag + ": expected " + a + " or " + b + ", got \"" + v + "\"");
  };
  WeightQuantScheme s = WeightQuantScheme::robust(*bits);
  s.per_channel = !pick(granularity, "--granularity", "per_tensor", "per_channel");
  s.symmetric = !pick(symmetry, "--symmetry", "asymmetric", "symmetric");
  s.storage = pick(storage, "--storage", "unsigned", "twos_complement") ? WeightStorage::Unsigned
                                                                        : WeightStorage::TwosComplement;
  s.rounding = pick(rounding, "--rounding", "round", "truncate");
  if (clip) {
    if (!(*clip > 0)) throw ConfigError("command line: --clip: must be > 0");
    s.clip = *clip;
  }
  return s;
}

ImportedNetwork import_model(const ImportCommandOptions& o, const std::string* model_bytes) {
  const nlohmann::json doc = model_bytes ? onnx_bytes_to_network_json(*model_bytes, o.model_path, o.onnx)
                                         : onnx_to_network_json(o.model_path, o.onnx);
  ImportedNetwork r{import_network(doc, o.model_path), std::nullopt, 0};  // validates the translation either way
  r.net.source_file = o.model_path;
  if (needs_calibration(r.net) && o.calib.data.empty()) {
    r.uncalibrated_doc = doc;
    return r;
  }
  r.calib_images = calibrate_if_needed(r.net, o.calib, "--calib-data");
  return r;
}

void save_imported_network(const ImportedNetwork& imported, const std::string& path) {
  if (imported.uncalibrated_doc)
    write_file_atomically(path, imported.uncalibrated_doc->dump(1) + "\n");
  else
    save_network(imported.net, path);
}

std::string run_import_command(const ImportCommandOptions& o) {
  check_output_not_input(o.out_path, "command line: --out",
                         {{o.model_path, "the model file"}, {o.calib.data, "the calibration data set"}});
  const ImportedNetwork imported = import_model(o);
  save_imported_network(imported, o.out_path);
  if (imported.uncalibrated_doc)
    return "wrote " + o.out_path + ": " + std::to_string(imported.net.layers.size()) +
           " layers; activation quantization left to calibration (lvsim run, or lvsim import --calib-data)\n";
  return summary(imported.net, o.out_path, imported.calib_images);
}

std::string run_calibrate_command(const CalibrateCommandOptions& o) {
  check_output_not_input(o.out_path, "command line: --out",
                         {{o.network_path, "the network file"}, {o.calib.data, "the calibration data set"}});
  Network net = load_network(o.network_path);
  const int64_t used = calibrate_if_needed(net, o.calib, "--data");
  save_network(net, o.out_path);
  return summary(net, o.out_path, used);
}

}  // namespace lvsim
