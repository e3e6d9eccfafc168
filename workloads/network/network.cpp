#include "workloads/network/network.h"

namespace lvsim {

const char* layer_type_name(LayerType t) {
  switch (t) {
    case LayerType::Conv2d:
      return "conv2d";
    case LayerType::Linear:
      return "linear";
    case LayerType::Relu:
      return "relu";
    case LayerType::MaxPool2d:
      return "maxpool2d";
    case LayerType::AvgPool2d:
      return "avgpool2d";
    case LayerType::Flatten:
      return "flatten";
    case LayerType::Add:
      return "add";
    case LayerType::GroupNorm:
      return "groupnorm";
  }
  return "?";
}

}  // namespace lvsim
