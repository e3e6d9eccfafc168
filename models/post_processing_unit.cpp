#include "models/post_processing_unit.h"

#include <algorithm>
#include <stdexcept>

#include "workloads/quantization.h"

namespace lvsim {

PostProcessingUnit::PostProcessingUnit(int lanes) : lanes_(lanes) {
  if (lanes < 1) throw std::invalid_argument("PostProcessingUnit: lanes must be >= 1");
}

void PostProcessingUnit::start_requantize(const Network& net, int layer, const std::vector<int32_t>* acc,
                                          std::vector<uint8_t>* out) {
  net_ = &net;
  layer_ = &net.layers.at(size_t(layer));
  acc_ = acc;
  inputs_.clear();
  out_ = out;
  out_->assign(size_t(layer_->out_shape.size()), 0);
  elements_ = job_elements(*layer_);
  next_ = 0;
  // Reads each accumulator (4 bytes), writes each code into the next layer's input buffer.
  counts_.output_buffer_reads += 4 * elements_;
  counts_.input_buffer_writes += elements_;
  counts_.post_ops += elements_;
}

void PostProcessingUnit::start_layer(const Network& net, int layer,
                                     const std::vector<const std::vector<uint8_t>*>& inputs,
                                     std::vector<uint8_t>* out) {
  net_ = &net;
  layer_ = &net.layers.at(size_t(layer));
  acc_ = nullptr;
  inputs_ = inputs;
  input_zero_points_.clear();
  for (int src : layer_->inputs) input_zero_points_.push_back(net.quant_of(src).zero_point);
  out_ = out;
  elements_ = job_elements(*layer_);
  next_ = 0;
  if (layer_->type == LayerType::Flatten) {
    *out_ = *inputs.at(0);  // a relabelling of the same codes: no cycles, no traffic
    return;
  }
  out_->assign(size_t(layer_->out_shape.size()), 0);
  // Every input code is read once from the input buffer (pooling windows come from a line buffer).
  for (const auto* in : inputs) counts_.input_buffer_reads += int64_t(in->size());
  counts_.input_buffer_writes += elements_;
  counts_.post_ops += elements_;
}

bool PostProcessingUnit::tick() {
  const int64_t end = std::min(elements_, next_ + lanes_);
  for (int64_t e = next_; e < end; ++e) (*out_)[size_t(e)] = compute(e);
  next_ = end;
  return busy();
}

uint8_t PostProcessingUnit::compute(int64_t e) const {
  const Layer& L = *layer_;
  const Shape os = L.out_shape;
  switch (L.type) {
    case LayerType::Conv2d:
    case LayerType::Linear: {
      const int64_t M = L.gemm_m(), N = L.gemm_n();
      const int o = int(e / M);
      const int64_t m = e % M;
      const int64_t g = o / N, n = o % N;
      const uint32_t bias = uint32_t(L.bias.empty() ? 0 : L.bias[size_t(o)]);
      const int32_t acc = int32_t(bias + uint32_t((*acc_)[size_t((g * M + m) * N + n)]));
      return requantize(acc, L.requant[size_t(o)], L.out_quant.zero_point);
    }
    case LayerType::Relu: {
      const uint8_t z = uint8_t(L.in_quant.zero_point);
      return std::max((*inputs_[0])[size_t(e)], z);
    }
    case LayerType::MaxPool2d:
    case LayerType::AvgPool2d: {
      const Shape is = L.in_shape;
      const int64_t plane = int64_t(os.h) * os.w;
      const int c = int(e / plane);
      const int y = int((e % plane) / os.w), x = int(e % os.w);
      const std::vector<uint8_t>& in = *inputs_[0];
      int32_t best = -1, sum = 0;
      for (int ky = 0; ky < L.kernel_h; ++ky)
        for (int kx = 0; kx < L.kernel_w; ++kx) {
          const int iy = y * L.stride_h - L.pad_h + ky, ix = x * L.stride_w - L.pad_w + kx;
          if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;  // padding takes no part
          const int32_t v = in[size_t((int64_t(c) * is.h + iy) * is.w + ix)];
          best = std::max(best, v);
          sum += v;
        }
      if (L.type == LayerType::MaxPool2d) return uint8_t(std::max(best, 0));
      const int32_t n = L.kernel_h * L.kernel_w;
      return uint8_t((sum + n / 2) / n);
    }
    case LayerType::Add: {
      int64_t s = 0;
      for (size_t j = 0; j < inputs_.size(); ++j)
        s += (int64_t((*inputs_[j])[size_t(e)]) - input_zero_points_[j]) * L.add_multiplier[j];
      return saturate_u8(L.out_quant.zero_point + round_shift(s, L.add_shift));
    }
    case LayerType::Flatten:
      return (*inputs_[0])[size_t(e)];
  }
  return 0;
}

}  // namespace lvsim
