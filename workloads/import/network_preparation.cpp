#include "workloads/import/network_preparation.h"

#include "workloads/network/network_finalize.h"
#include "workloads/network/weight_requantization.h"

namespace lvsim {

bool prepare_network(Network& net, const Dataset& test, const NetworkPreparation& p,
                     const std::function<void(const Network&)>& before_calibration) {
  if (p.weight_bits) requantize_weights(net, *p.weight_bits);
  net.norm_params_in_sram = p.norm_params_in_sram;
  check_fits(test, net);
  if (before_calibration) before_calibration(net);
  if (!needs_calibration(net)) return false;
  const Dataset train = load_dataset(p.data_dir, Split::Train, p.calib_images);
  check_fits(train, net);
  calibrate(net, train, p.calib_images, p.calib_method, p.threads);
  finalize_network(net);
  return true;
}

}  // namespace lvsim
