#include "models/post_processing_unit.h"

#include <algorithm>
#include <stdexcept>

#include "workloads/network/quantization.h"

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

void PostProcessingUnit::start_group_norm(const Network& net, int layer, const std::vector<uint8_t>* input,
                                          const std::vector<uint8_t>& params, std::vector<uint8_t>* out) {
  net_ = &net;
  layer_ = &net.layers.at(size_t(layer));
  if (layer_->type != LayerType::GroupNorm || params.size() != layer_->weight.stored.size())
    throw std::invalid_argument("PostProcessingUnit::start_group_norm: not a groupnorm or wrong parameter count");
  acc_ = nullptr;
  inputs_ = {input};
  params_ = params;
  out_ = out;
  out_->assign(size_t(layer_->out_shape.size()), 0);
  elements_ = job_elements(*layer_);
  next_ = 0;
  const size_t groups = size_t(layer_->groups);
  sum_.assign(groups, 0);
  sum_sq_.assign(groups, 0);
  inv_.assign(groups, 0);
  inv_shift_.assign(groups, 0);
  rsqrt_group_ = 0;
  rsqrt_cycle_ = 0;
  norm_phase_ = NormPhase::Statistics;
  // Both passes read every input code; the second writes every output code.
  counts_.input_buffer_reads += 2 * elements_;
  counts_.input_buffer_writes += elements_;
  counts_.norm_stat_ops += elements_;
  counts_.rsqrt_ops += layer_->groups;
  counts_.norm_ops += elements_;
}

namespace {

using int128 = __int128;

// Reciprocal square root unit: Q = floor(sqrt(D * 2^32)) by restoring square root, one result bit
// per step (Q < 2^48), b = bit length of Q, inv = floor(2^(b+30) / Q) by restoring division, one
// quotient bit per step (inv < 2^32).
void reciprocal_sqrt(int64_t d, int64_t& inv, int& b) {
  const int128 radicand = int128(d) << 32;
  int128 q = 0;
  for (int bit = 47; bit >= 0; --bit) {
    const int128 trial = q | (int128(1) << bit);
    if (trial * trial <= radicand) q = trial;
  }
  b = 0;
  for (int128 v = q; v != 0; v >>= 1) ++b;
  // 2^(b+30) / Q: the quotient's bits from 31 down, against the remainder.
  int128 rem = int128(1) << (b + 30);
  int64_t quotient = 0;
  for (int bit = 31; bit >= 0; --bit) {
    const int128 step = q << bit;
    if (rem >= step) {
      rem -= step;
      quotient |= int64_t(1) << bit;
    }
  }
  inv = quotient;
}

}  // namespace

void PostProcessingUnit::tick_group_norm() {
  const Layer& L = *layer_;
  const int64_t n = elements_ / L.groups;
  switch (norm_phase_) {
    case NormPhase::Statistics: {
      const int64_t end = std::min(elements_, next_ + lanes_);
      const int32_t z = L.in_quant.zero_point;
      for (int64_t e = next_; e < end; ++e) {
        const int64_t x = int64_t((*inputs_[0])[size_t(e)]) - z;
        sum_[size_t(e / n)] += x;
        sum_sq_[size_t(e / n)] += x * x;
      }
      next_ = end;
      if (next_ == elements_) norm_phase_ = NormPhase::Rsqrt, next_ = 0;
      break;
    }
    case NormPhase::Rsqrt:
      if (++rsqrt_cycle_ == kRsqrtCycles) {
        const size_t g = size_t(rsqrt_group_);
        const int64_t d = n * sum_sq_[g] - sum_[g] * sum_[g] + L.norm.eps_term;
        int b = 0;
        reciprocal_sqrt(d, inv_[g], b);
        inv_shift_[g] = b - 2;
        rsqrt_cycle_ = 0;
        if (++rsqrt_group_ == L.groups) norm_phase_ = NormPhase::Normalize;
      }
      break;
    case NormPhase::Normalize: {
      const int64_t end = std::min(elements_, next_ + lanes_);
      for (int64_t e = next_; e < end; ++e) (*out_)[size_t(e)] = normalize(e);
      next_ = end;
      if (next_ == elements_) norm_phase_ = NormPhase::None;
      break;
    }
    case NormPhase::None:
      break;
  }
}

// Output code of element e (channel c, group g): z_out + rshift(h G_c M + B_c K, sh + 24).
uint8_t PostProcessingUnit::normalize(int64_t e) const {
  const Layer& L = *layer_;
  const WeightTensor& W = L.weight;
  const int64_t plane = int64_t(L.in_shape.h) * L.in_shape.w, n = elements_ / L.groups;
  const size_t c = size_t(e / plane), g = size_t(e / n);
  const int64_t x = int64_t((*inputs_[0])[size_t(e)]) - L.in_quant.zero_point;
  const int k = inv_shift_[g];
  const int128 h = (int128(n * x - sum_[g]) * inv_[g] + (int128(1) << (k - 1))) >> k;
  const int64_t gamma = int64_t(W.decode(params_[c]) - W.zero_point[0]) * 256 + L.norm.offset_term;
  const int64_t beta = W.decode(params_[size_t(W.per_out) + c]) - W.zero_point[1];
  const int s = L.norm.gamma_requant.shift + 24;
  const int128 acc = h * gamma * L.norm.gamma_requant.multiplier + int128(beta) * L.norm.beta_multiplier;
  const int128 y = L.out_quant.zero_point + ((acc + (int128(1) << (s - 1))) >> s);
  return uint8_t(y < 0 ? 0 : y > 255 ? 255 : int(y));
}

bool PostProcessingUnit::tick() {
  if (norm_phase_ != NormPhase::None) {
    tick_group_norm();
    return busy();
  }
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
    case LayerType::GroupNorm:
      return normalize(e);
  }
  return 0;
}

}  // namespace lvsim
