// `lvsim import` (an ONNX model -> a network file) and `lvsim calibrate` (a network file -> a
// calibrated, quantized network file): docs/importing-models.md.
#pragma once

#include <cstdint>
#include <string>

#include "workloads/calibration.h"
#include "workloads/onnx_import.h"

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
