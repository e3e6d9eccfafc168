// `lvsim import` (an ONNX model -> a network file) and `lvsim calibrate` (a network file -> a
// calibrated, quantized network file): docs/importing-models.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "workloads/import/calibration.h"
#include "workloads/import/onnx_import.h"

namespace lvsim {

/// Where calibration images come from, shared by both commands.
struct CalibrationSource {
  std::string data;  // data set directory or .npz file (its training split); empty: none
  int64_t images = 512;
  CalibrationMethod method = CalibrationMethod::MinMax;
  int threads = 0;
};

struct ImportCommandOptions {
  std::string model_path;
  std::string out_path;
  OnnxImportOptions onnx;
  CalibrationSource calib;
};

/// The weight quantization scheme of `lvsim import --bits B [--granularity ...]` (empty strings and
/// no clip: not given; the robust scheme's choices apply). ConfigError naming the option when a
/// scheme option comes without bits or has a value outside its choices.
std::optional<WeightQuantScheme> weight_scheme_from_options(std::optional<int> bits, const std::string& granularity,
                                                            const std::string& symmetry, const std::string& storage,
                                                            const std::string& rounding, std::optional<double> clip);

/// An imported model: the network, and the translated document when its activation quantization
/// is left to calibration (no calibration data was given and the model does not say).
struct ImportedNetwork {
  Network net;
  std::optional<nlohmann::json> uncalibrated_doc;
  int64_t calib_images = 0;  // training images calibration used (0: none)
};

/// Imports the model (from model_path, or from `model_bytes` when given, named model_path in
/// messages) and calibrates it when calibration data is given. UserError on bad input.
ImportedNetwork import_model(const ImportCommandOptions& options, const std::string* model_bytes = nullptr);

/// Writes an imported network as `lvsim import` does (atomically): the translated document when
/// uncalibrated, else the calibrated, quantized network.
void save_imported_network(const ImportedNetwork& imported, const std::string& path);

/// Imports the model and writes the network file atomically: calibrated and quantized when the
/// model's quantization is complete or calibration data is given, else the translated document
/// (float weights with the scheme, activations calibrated by `lvsim run`). Returns a one-line
/// summary. UserError on bad input, with nothing written.
std::string run_import_command(const ImportCommandOptions& options);

struct CalibrateCommandOptions {
  std::string network_path;
  std::string out_path;
  CalibrationSource calib;
};

/// Loads a network file (or model), calibrates what it leaves out and saves it, quantized.
std::string run_calibrate_command(const CalibrateCommandOptions& options);

}  // namespace lvsim
