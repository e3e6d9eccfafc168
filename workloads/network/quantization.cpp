#include "workloads/network/quantization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lvsim {

int64_t round_half_away(double x) {
  return x >= 0 ? int64_t(std::floor(x + 0.5)) : -int64_t(std::floor(-x + 0.5));
}

Requant make_requant(double ratio) {
  if (!(ratio > 0) || !std::isfinite(ratio))
    throw std::domain_error("requantization ratio must be positive and finite");
  int e = 0;
  double f = std::frexp(ratio, &e);  // ratio = f * 2^e, f in [0.5, 1)
  int64_t m = round_half_away(std::ldexp(f, 31));
  if (m == (int64_t(1) << 31)) {
    m >>= 1;
    ++e;
  }
  int shift = 31 - e;
  if (shift < 1 || shift > 62) throw std::domain_error("requantization ratio out of the representable range");
  return Requant{m, shift};
}

namespace {

// Quantizes one range group (a whole tensor or one output channel) of weights in place.
void quantize_group(const double* w, int64_t n, const WeightQuantScheme& s, uint8_t* stored, double& scale,
                    int32_t& zero_point) {
  const int m = s.bits;
  const int64_t qmax_code = (int64_t(1) << (m - 1)) - 1;  // symmetric codes: -qmax_code..qmax_code
  auto clipped = [&](double x) { return s.clip > 0 ? std::clamp(x, -s.clip, s.clip) : x; };
  auto to_code = [&](double x) {  // x in code units
    int64_t c = s.rounding ? round_half_away(x) : int64_t(std::trunc(x));
    return std::clamp<int64_t>(c, -qmax_code, qmax_code);
  };
  std::vector<int64_t> codes(n);
  int64_t zp_signed = 0;
  if (s.symmetric) {
    double qmax = 0;
    for (int64_t i = 0; i < n; ++i) qmax = std::max(qmax, std::fabs(clipped(w[i])));
    if (s.clip > 0) qmax = std::min(qmax, s.clip);
    qmax += s.epsilon;
    double delta = qmax / double(qmax_code);
    for (int64_t i = 0; i < n; ++i) codes[i] = to_code(clipped(w[i]) / delta);
    scale = delta;
  } else {
    // Asymmetric: [lo, hi] maps linearly to [-1, 1], quantized symmetrically with q_max = 1 + eps.
    double lo = clipped(w[0]), hi = clipped(w[0]);
    for (int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, clipped(w[i]));
      hi = std::max(hi, clipped(w[i]));
    }
    double half = (hi - lo) / 2.0;
    // A constant group (all weights equal, e.g. a pruned all-zero filter) has no range: take the
    // half-range |w| (1 when w = 0), so every code sits at the zero point, the scale stays of the
    // order of the weights' and requantization remains representable.
    if (half <= 0) half = lo != 0 ? std::fabs(lo) : 1.0;
    double mid = (hi + lo) / 2.0;
    double delta = (1.0 + s.epsilon) / double(qmax_code);  // in normalised units
    for (int64_t i = 0; i < n; ++i) codes[i] = to_code(((clipped(w[i]) - mid) / half) / delta);
    scale = delta * half;
    // Integer hardware needs an integer zero point: the offset `mid` is rounded to the code grid
    // (error <= scale / 2, documented in docs/quantization.md).
    zp_signed = -round_half_away(mid / scale);
  }
  const int64_t bias = s.storage == WeightStorage::Unsigned ? (int64_t(1) << (m - 1)) : 0;
  const uint8_t mask = uint8_t((1u << m) - 1);
  for (int64_t i = 0; i < n; ++i) stored[i] = uint8_t((codes[i] + bias) & mask);
  zero_point = int32_t(zp_signed + bias);
}

}  // namespace

WeightTensor quantize_weights(const std::vector<double>& w, int64_t out_channels, const WeightQuantScheme& s) {
  if (s.bits < 2 || s.bits > 8) throw std::invalid_argument("weight bits must be 2..8");
  if (out_channels <= 0 || int64_t(w.size()) % out_channels != 0)
    throw std::invalid_argument("weight count not divisible by out_channels");
  WeightTensor t;
  t.bits = s.bits;
  t.storage = s.storage;
  t.per_channel = s.per_channel;
  t.out_channels = out_channels;
  t.per_out = int64_t(w.size()) / out_channels;
  t.stored.resize(w.size());
  t.scale.resize(out_channels);
  t.zero_point.resize(out_channels);
  if (s.per_channel) {
    for (int64_t o = 0; o < out_channels; ++o)
      quantize_group(w.data() + o * t.per_out, t.per_out, s, t.stored.data() + o * t.per_out, t.scale[o],
                     t.zero_point[o]);
  } else {
    double sc;
    int32_t zp;
    quantize_group(w.data(), int64_t(w.size()), s, t.stored.data(), sc, zp);
    std::fill(t.scale.begin(), t.scale.end(), sc);
    std::fill(t.zero_point.begin(), t.zero_point.end(), zp);
  }
  return t;
}

double dequantize_weight(const WeightTensor& t, int64_t i) {
  int64_t o = i / t.per_out;
  return t.scale[o] * double(t.decode(t.stored[i]) - t.zero_point[o]);
}

ActivationQuant activation_quant_from_range(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  // A tensor that is (almost) always 0 has no range: give it [lo, lo + 1] (scale 1/255, zero
  // point 0), so it still codes 0 exactly and its producer's and consumers' requantization ratios
  // stay representable.
  if (hi - lo < kMinActivationRange) hi = lo + 1.0;
  ActivationQuant q;
  q.scale = (hi - lo) / 255.0;
  q.zero_point = int32_t(std::clamp<int64_t>(round_half_away(-lo / q.scale), 0, 255));
  return q;
}

void derive_preprocess(Preprocess& p, const ActivationQuant& in) {
  const size_t c = p.mean.size();
  p.multiplier.resize(c);
  p.offset.resize(c);
  for (size_t i = 0; i < c; ++i) {
    double denom = p.std[i] * in.scale;
    p.multiplier[i] = round_half_away(std::ldexp(p.pixel_scale / denom, Preprocess::kShift));
    p.offset[i] = round_half_away(std::ldexp(-p.mean[i] / denom, Preprocess::kShift));
  }
}

std::vector<Requant> make_layer_requant(const ActivationQuant& in, const WeightTensor& w, const ActivationQuant& out) {
  std::vector<Requant> r(w.out_channels);
  for (int64_t o = 0; o < w.out_channels; ++o) r[o] = make_requant(in.scale * w.scale[o] / out.scale);
  return r;
}

void make_add_requant(const std::vector<ActivationQuant>& ins, const ActivationQuant& out,
                      std::vector<int64_t>& multipliers, int& shift) {
  double rmax = 0;
  for (const auto& q : ins) rmax = std::max(rmax, q.scale / out.scale);
  shift = make_requant(rmax).shift;
  multipliers.clear();
  for (const auto& q : ins) multipliers.push_back(round_half_away(std::ldexp(q.scale / out.scale, shift)));
}

}  // namespace lvsim
