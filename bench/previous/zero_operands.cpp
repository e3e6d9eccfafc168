#include "bench/previous/zero_operands.h"

#include <map>
#include <stdexcept>

namespace lvsim::previous {

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
  gated_.assign(sets_y.size() * sets_x.size() * size_t(in_.c), 0);
  for (size_t cy = 0; cy < sets_y.size(); ++cy)
    for (size_t cx = 0; cx < sets_x.size(); ++cx)
      for (int c = 0; c < in_.c; ++c) {
        int64_t s = 0;
        for (int ky : sets_y[cy])
          for (int kx : sets_x[cx]) s += zero_w[size_t(c * taps + ky * kw_ + kx)];
        gated_[(cy * sets_x.size() + cx) * size_t(in_.c) + size_t(c)] = s;
      }
}

uint8_t ZeroOperandCounter::code(const uint8_t* input, CodeLayout layout, int c, int y, int x) const {
  const int64_t pos = int64_t(y) * in_.w + x;
  return layout == CodeLayout::ChannelsLast ? input[pos * in_.c + c] : input[c * int64_t(in_.h) * in_.w + pos];
}

// Every im2col entry is one (output pixel, channel, tap) reading one padded input position (y, x),
// and the taps reading it are those of its row class times those of its column class. An entry
// with a zero activation gates all N filters of its group; one with a non-zero activation gates
// the filters whose weight at that tap is zero, summed per class in gated_.
int64_t ZeroOperandCounter::count(const uint8_t* input, CodeLayout layout) const {
  const int hp = in_.h + 2 * ph_, wp = in_.w + 2 * pw_;
  int64_t zero_entries = 0, gated_by_weights = 0;
  for (int y = 0; y < hp; ++y) {
    const int cy = class_y_[size_t(y)];
    if (taps_y_[size_t(cy)] == 0) continue;
    const int iy = y - ph_;
    for (int x = 0; x < wp; ++x) {
      const int cx = class_x_[size_t(x)];
      const int64_t entries = taps_y_[size_t(cy)] * taps_x_[size_t(cx)];
      if (entries == 0) continue;
      const int ix = x - pw_;
      if (iy < 0 || iy >= in_.h || ix < 0 || ix >= in_.w) {  // padding: every channel reads zero
        zero_entries += entries * in_.c;
        continue;
      }
      const int64_t* gated = gated_.data() + (size_t(cy) * size_t(classes_x_) + size_t(cx)) * size_t(in_.c);
      // Branch-free over channels (zero codes are about half of them after a relu); the
      // channels-last loop (the fast path's) is contiguous and vectorizes.
      const int64_t pos = int64_t(iy) * in_.w + ix;
      int64_t zero_channels = 0;
      if (layout == CodeLayout::ChannelsLast) {
        const uint8_t* v = input + pos * in_.c;
        for (int c = 0; c < in_.c; ++c) {
          const int64_t zero = v[c] == za_;
          zero_channels += zero;
          gated_by_weights += gated[c] & (zero - 1);
        }
      } else {
        const int64_t plane = int64_t(in_.h) * in_.w;
        for (int c = 0; c < in_.c; ++c) {
          const int64_t zero = input[c * plane + pos] == za_;
          zero_channels += zero;
          gated_by_weights += gated[c] & (zero - 1);
        }
      }
      zero_entries += zero_channels * entries;
    }
  }
  return zero_entries * n_per_group_ + gated_by_weights;
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

}  // namespace lvsim::previous
