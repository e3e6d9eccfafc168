#include "workloads/inference/zero_operands.h"

#include <map>
#include <stdexcept>
#include <utility>

namespace lvsim {

namespace {

// Along one axis of the padded input (size `padded`): for each coordinate p, the kernel taps k
// that read it, i.e. {k < kernel : p = o * stride + k for some output position o < out}. Equal
// sets share a class; returns the class per coordinate and fills `sets` with the classes' taps.
std::vector<int> tap_classes(int padded, int out, int kernel, int stride, std::vector<std::vector<int>>& sets) {
  std::map<std::vector<int>, int> ids;
  std::vector<int> cls(static_cast<size_t>(padded));
  for (int p = 0; p < padded; ++p) {
    std::vector<int> taps;
    for (int k = 0; k < kernel && k <= p; ++k)
      if ((p - k) % stride == 0 && (p - k) / stride < out) taps.push_back(k);
    auto [it, fresh] = ids.emplace(taps, int(sets.size()));
    if (fresh) sets.push_back(taps);
    cls[size_t(p)] = it->second;
  }
  return cls;
}

}  // namespace

ZeroOperandCounter::ZeroOperandCounter(const Layer& L, const uint8_t* patterns, const Shape& source)
    : weight_(&L.weight), in_(source), za_(uint8_t(L.in_quant.zero_point)) {
  if (!L.has_weights()) throw std::invalid_argument("ZeroOperandCounter: layer " + L.name + " has no weights");
  if (L.type == LayerType::Linear) {  // a conv with an H x W kernel over the unflattened input
    out_h_ = out_w_ = 1, kh_ = source.h, kw_ = source.w, sh_ = sw_ = 1, ph_ = pw_ = 0, groups_ = 1;
  } else {
    out_h_ = L.out_shape.h, out_w_ = L.out_shape.w, kh_ = L.kernel_h, kw_ = L.kernel_w;
    sh_ = L.stride_h, sw_ = L.stride_w, ph_ = L.pad_h, pw_ = L.pad_w, groups_ = L.groups;
  }
  const int cg = in_.c / groups_;
  const int64_t taps = int64_t(kh_) * kw_;
  if (cg * taps != L.weight.per_out || source.size() != L.in_shape.size())
    throw std::invalid_argument("ZeroOperandCounter: input shape does not match layer " + L.name);
  n_per_group_ = L.out_channels / groups_;

  // Zero weight operands per (input channel, tap), over the filters of the channel's group.
  std::vector<int64_t> zero_w(size_t(in_.c * taps), 0);
  for (int64_t o = 0; o < L.out_channels; ++o) {
    const int g = int(o / n_per_group_);
    for (int64_t r = 0; r < L.weight.per_out; ++r)
      if (L.weight.decode(patterns[o * L.weight.per_out + r]) == L.weight.zero_point[size_t(o)])
        ++zero_w[size_t((g * cg + r / taps) * taps + r % taps)];
  }

  std::vector<std::vector<int>> sets_y, sets_x;
  class_y_ = tap_classes(in_.h + 2 * ph_, out_h_, kh_, sh_, sets_y);
  class_x_ = tap_classes(in_.w + 2 * pw_, out_w_, kw_, sw_, sets_x);
  classes_x_ = int(sets_x.size());
  for (const auto& s : sets_y) taps_y_.push_back(int64_t(s.size()));
  for (const auto& s : sets_x) taps_x_.push_back(int64_t(s.size()));
  init_weights(zero_w, sets_y, sets_x);
}

// Every im2col entry is one (output pixel, channel, tap) reading one padded input position (y, x),
// and the taps reading it are those of its row class times those of its column class (`entries`
// of them). An entry with a zero activation gates all N filters of its group; one with a non-zero
// activation gates the filters whose weight at that tap is zero (`gated`, summed over the taps).
// So count = N * (entries of all padding and input positions) + sum over non-zero activations of
// (gated - N * entries) of their class and channel: base_ + nz_weight_ . (non-zeros per class).
void ZeroOperandCounter::init_weights(const std::vector<int64_t>& zero_w, const std::vector<std::vector<int>>& sets_y,
                                      const std::vector<std::vector<int>>& sets_x) {
  const int64_t taps = int64_t(kh_) * kw_;
  base_ = 0;
  for (int y = 0; y < in_.h + 2 * ph_; ++y)
    for (int x = 0; x < in_.w + 2 * pw_; ++x)
      base_ += taps_y_[size_t(class_y_[size_t(y)])] * taps_x_[size_t(class_x_[size_t(x)])] * in_.c * n_per_group_;
  for (int x = 0; x < in_.w;) {
    const int cx = class_x_[size_t(x + pw_)];
    int x1 = x + 1;
    while (x1 < in_.w && class_x_[size_t(x1 + pw_)] == cx) ++x1;
    if (taps_x_[size_t(cx)] > 0) runs_x_.push_back({x, x1, cx});
    x = x1;
  }
  // The classes of input positions that some tap reads, numbered compactly; 64 lanes per class
  // only when that buffer is not larger than the input (a linear layer has a class per position).
  inner_id_.assign(sets_y.size() * sets_x.size(), -1);
  std::vector<std::pair<size_t, int>> inner;  // (class_y, class_x) in id order
  for (int iy = 0; iy < in_.h; ++iy) {
    const size_t cy = size_t(class_y_[size_t(iy + ph_)]);
    if (taps_y_[cy] == 0) continue;
    for (const Run& r : runs_x_) {
      int& id = inner_id_[cy * sets_x.size() + size_t(r.cx)];
      if (id < 0) id = int(inner.size()), inner.emplace_back(cy, r.cx);
    }
  }
  const bool wide = 64 % in_.c == 0 && int64_t(inner.size()) * 64 <= in_.size();
  lanes_ = wide ? 64 : in_.c;
  for (const auto& [cy, cx] : inner)
    for (int j = 0; j < lanes_; ++j) {
      const int c = j % in_.c;
      int64_t gated = 0;
      for (int ky : sets_y[cy])
        for (int kx : sets_x[size_t(cx)]) gated += zero_w[size_t(c * taps + ky * kw_ + kx)];
      nz_weight_.push_back(gated - n_per_group_ * taps_y_[cy] * taps_x_[size_t(cx)]);
    }
}

uint8_t ZeroOperandCounter::code(const uint8_t* input, CodeLayout layout, int c, int y, int x) const {
  const int64_t pos = int64_t(y) * in_.w + x;
  return layout == CodeLayout::ChannelsLast ? input[pos * in_.c + c] : input[c * int64_t(in_.h) * in_.w + pos];
}

namespace {

// Adds v[i] != za to lane[i % 64] for i < n: the run's codes in 64 byte lanes (vectorizes).
void count_lanes(const uint8_t* __restrict v, int64_t n, uint8_t za, int32_t* __restrict lane) {
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int j = 0; j < 64; ++j) lane[j] += v[i + j] != za;
  for (int j = 0; i + j < n; ++j) lane[j] += v[i + j] != za;
}

}  // namespace

// Non-zero activations per (class, lane), then their weights (init_weights). Channels-last with C
// dividing 64: a run of positions is contiguous and its byte i belongs to channel i % C, so the run
// is counted in 64 byte lanes per class, each lane weighted as its channel. Otherwise lane = channel.
int64_t ZeroOperandCounter::count(const uint8_t* input, CodeLayout layout) const {
  const int C = in_.c;
  const int64_t plane = int64_t(in_.h) * in_.w;
  const bool lanes = layout == CodeLayout::ChannelsLast && lanes_ == 64;
  std::vector<int32_t> nz(nz_weight_.size(), 0);  // per (class, lane): non-zero activations
  for (int iy = 0; iy < in_.h; ++iy) {
    const int cy = class_y_[size_t(iy + ph_)];
    if (taps_y_[size_t(cy)] == 0) continue;
    for (const Run& r : runs_x_) {
      int32_t* acc = nz.data() + size_t(inner_id_[size_t(cy) * size_t(classes_x_) + size_t(r.cx)]) * size_t(lanes_);
      const int64_t first = int64_t(iy) * in_.w + r.x0, len = r.x1 - r.x0;
      if (lanes) {
        count_lanes(input + first * C, len * C, za_, acc);
      } else if (layout == CodeLayout::ChannelsLast && C > 1) {
        const uint8_t* v = input + first * C;
        for (int64_t p = 0; p < len; ++p, v += C)
          for (int c = 0; c < C; ++c) acc[c] += v[c] != za_;
      } else {  // one channel's run is contiguous (channels first, or a single channel)
        for (int c = 0; c < C; ++c) {
          const uint8_t* v = input + c * plane + first;
          int32_t n = 0;
          for (int64_t p = 0; p < len; ++p) n += v[p] != za_;
          acc[c] += n;
        }
      }
    }
  }
  int64_t total = base_;
  for (size_t i = 0; i < nz.size(); ++i) total += nz_weight_[i] * nz[i];
  return total;
}

int64_t ZeroOperandCounter::nonzero_activations_of(int64_t index, const uint8_t* input, CodeLayout layout) const {
  const int64_t taps = int64_t(kh_) * kw_, per_out = weight_->per_out;
  const int64_t o = index / per_out, r = index % per_out;
  const int c = int(o / n_per_group_) * (in_.c / groups_) + int(r / taps);
  const int ky = int(r % taps) / kw_, kx = int(r % taps) % kw_;
  int64_t n = 0;
  for (int oy = 0; oy < out_h_; ++oy) {
    const int iy = oy * sh_ - ph_ + ky;
    if (iy < 0 || iy >= in_.h) continue;
    for (int ox = 0; ox < out_w_; ++ox) {
      const int ix = ox * sw_ - pw_ + kx;
      if (ix >= 0 && ix < in_.w) n += code(input, layout, c, iy, ix) != za_;
    }
  }
  return n;
}

bool ZeroOperandCounter::zero_weight(int64_t index, uint8_t pattern) const {
  return weight_->decode(pattern) == weight_->zero_point[size_t(index / weight_->per_out)];
}

int64_t zero_operand_macs(const Layer& L, const uint8_t* patterns, const uint8_t* input, CodeLayout layout) {
  if (!L.has_weights()) return 0;
  return ZeroOperandCounter(L, patterns, L.in_shape).count(input, layout);
}

void LayerZeroCounts::reset(size_t layers) {
  operand_macs.assign(layers, 0);
  activation_codes.assign(layers, 0);
}

void LayerZeroCounts::add(const LayerZeroCounts& o) {
  if (operand_macs.size() < o.operand_macs.size()) operand_macs.resize(o.operand_macs.size(), 0);
  if (activation_codes.size() < o.activation_codes.size()) activation_codes.resize(o.activation_codes.size(), 0);
  for (size_t l = 0; l < o.operand_macs.size(); ++l) operand_macs[l] += o.operand_macs[l];
  for (size_t l = 0; l < o.activation_codes.size(); ++l) activation_codes[l] += o.activation_codes[l];
}

int64_t count_zero_codes(const uint8_t* codes, int64_t n, uint8_t zero_point) {
  int64_t zeros = 0;
  for (int64_t i = 0; i < n; ++i) zeros += codes[i] == zero_point;
  return zeros;
}

std::vector<std::optional<double>> activation_sparsity(const Network& net, const std::vector<int64_t>& activation_codes,
                                                       int64_t images) {
  std::vector<std::optional<double>> s(net.layers.size());
  for (size_t l = 0; l < net.layers.size() && l < activation_codes.size(); ++l) {
    const Layer& L = net.layers[l];
    const int64_t codes = images * L.in_shape.size();
    if (L.has_weights() && codes > 0) s[l] = double(activation_codes[l]) / double(codes);
  }
  return s;
}

std::optional<double> network_activation_sparsity(const Network& net, const std::vector<int64_t>& activation_codes,
                                                  int64_t images) {
  int64_t zeros = 0, codes = 0;
  for (size_t l = 0; l < net.layers.size() && l < activation_codes.size(); ++l) {
    const Layer& L = net.layers[l];
    if (!L.has_weights()) continue;
    zeros += activation_codes[l];
    codes += images * L.in_shape.size();
  }
  if (codes <= 0) return std::nullopt;
  return double(zeros) / double(codes);
}

}  // namespace lvsim
