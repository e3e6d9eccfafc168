// The one pipeline that turns a loaded network into the one every engine runs: re-quantized
// weights (if asked), where groupnorm parameters live, checked against the test images, then —
// if its activation scales are not in the file — calibrated on the training split and finalized.
// `lvsim run` (and the Python API through it) and every study network go through it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "workloads/data/dataset.h"
#include "workloads/import/calibration.h"
#include "workloads/network/network.h"

namespace lvsim {

struct NetworkPreparation {
  std::optional<int> weight_bits;   // re-quantize the weights to this width (2..8)
  bool norm_params_in_sram = true;  // Network::norm_params_in_sram
  std::string data_dir;             // its training split calibrates
  int64_t calib_images = 512;
  CalibrationMethod calib_method = CalibrationMethod::MinMax;
  int threads = 1;
};

/// Prepares `net` for `test`'s images; `before_calibration` (may be empty) runs the caller's
/// remaining checks of the network (e.g. that it fits the architecture) before the calibration's
/// work starts, so bad input is refused first. Returns whether the network was calibrated.
bool prepare_network(Network& net, const Dataset& test, const NetworkPreparation& p,
                     const std::function<void(const Network&)>& before_calibration = {});

}  // namespace lvsim
