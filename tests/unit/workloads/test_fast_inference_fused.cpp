// The fused predict/scores path against the golden engine: conv -> relu -> max-pool chains whose
// pool runs in the conv's output stage (non-overlapping windows in window-major GEMM order,
// overlapping windows, odd sizes leaving pixels outside every window, pools without a relu), and
// linear layers that read a flatten's channels-last input directly, for every kernel the CPU
// supports and on faulty weight patterns.
#include <catch2/catch.hpp>

#include <algorithm>

#include "test_fast_inference_networks.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;
using lvsim::testing::flipped_weights;
using lvsim::testing::random_bytes;
using lvsim::testing::RandomNetBuilder;
using lvsim::testing::RandomNetOptions;

namespace {

// conv -> [relu] -> maxpool (k, s) -> conv -> relu -> maxpool -> flatten -> linear -> relu -> linear.
Network pooled_network(uint64_t seed, RandomNetOptions opt) {
  RandomNetBuilder b(derive_seed(seed, 1), opt);
  const int in_c = b.uniform(1, 3);
  b.start({in_c, b.uniform(7, 15), b.uniform(7, 15)});
  int x = b.conv(-1, b.uniform(1, 40), b.uniform(1, 5), 3, 1, b.uniform(0, 2), 1);
  if (b.coin()) x = b.simple(x, LayerType::Relu);
  const int k1 = b.uniform(2, 3);
  x = b.pool(x, LayerType::MaxPool2d, k1, b.coin() ? k1 : k1 - 1, 0);  // non-overlapping or overlapping
  const Shape s = b.shape_of(x);
  const int g = (s.c % 2 == 0 && b.coin()) ? 2 : 1;
  x = b.conv(x, g * b.uniform(1, 40), 3, 3, 1, 1, g);
  x = b.simple(x, LayerType::Relu);
  if (b.shape_of(x).h >= 2 && b.shape_of(x).w >= 2) x = b.pool(x, LayerType::MaxPool2d, 2, 2, 0);
  x = b.simple(x, LayerType::Flatten);
  x = b.linear(x, b.uniform(1, 40));
  x = b.simple(x, LayerType::Relu);
  x = b.linear(x, b.uniform(2, 12));
  return b.finish_calibrated(x, derive_seed(seed, 2));
}

}  // namespace

TEST_CASE("fused conv, relu and max-pool output stages equal the golden engine", "[fast]") {
  const int bits = GENERATE(2, 4, 8);
  const WeightStorage storage = GENERATE(WeightStorage::Unsigned, WeightStorage::TwosComplement);
  const uint64_t seed = GENERATE(1, 2, 3, 4);
  const uint64_t case_seed = derive_seed(derive_seed(seed, uint64_t(bits)), uint64_t(storage));
  const Network net = pooled_network(case_seed, {bits, storage, true});
  const int64_t count = 6;
  const std::vector<uint8_t> pixels = random_bytes(derive_seed(case_seed, 3), count * net.input_shape.size());
  INFO("bits " << bits << " storage " << int(storage) << " seed " << seed);
  for (bool faulty : {false, true}) {
    const LayerWeights w = faulty ? flipped_weights(net, derive_seed(case_seed, 4)) : stored_weights(net);
    std::vector<uint8_t> golden;
    for (int64_t i = 0; i < count; ++i) {
      const auto outs = run_all_layers(net, pixels.data() + i * net.input_shape.size(), w);
      golden.insert(golden.end(), outs[size_t(net.output)].begin(), outs[size_t(net.output)].end());
    }
    for (Int8Kernel k : {Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni}) {
      if (!int8_kernel_supported(k)) continue;
      INFO("faulty " << faulty << " kernel " << int8_kernel_name(k));
      const FastInference fast(net, w, k);
      CHECK(fast.scores(pixels.data(), count, 2) == golden);
    }
  }
}

namespace {

// Convs whose padding holds zeros (every zero point 0): paddings from 0 up to the kernel size (so
// some windows lie entirely in the padding), strides 1..2, groups, odd sizes, followed by
// non-overlapping and overlapping max-pools and by a plain conv.
Network zero_padding_network(uint64_t seed, RandomNetOptions opt) {
  opt.zero_points_zero = true;
  RandomNetBuilder b(derive_seed(seed, 1), opt);
  const int in_c = b.uniform(1, 4);
  b.start({in_c, b.uniform(5, 14), b.uniform(5, 14)});
  const int k1 = b.uniform(1, 5);
  int x = b.conv(-1, b.uniform(1, 40), k1, b.uniform(1, 5), b.uniform(1, 2), b.uniform(1, k1), 1);
  x = b.simple(x, LayerType::Relu);
  if (b.shape_of(x).h >= 3 && b.shape_of(x).w >= 3) x = b.pool(x, LayerType::MaxPool2d, 2, b.uniform(1, 2), 0);
  const Shape s = b.shape_of(x);
  const int g = (s.c % 2 == 0 && b.coin()) ? 2 : 1;
  x = b.conv(x, g * b.uniform(1, 40), 3, 3, b.uniform(1, 2), b.uniform(1, 3), g);
  x = b.simple(x, LayerType::Relu);
  if (b.shape_of(x).h >= 2 && b.shape_of(x).w >= 2) x = b.pool(x, LayerType::MaxPool2d, 2, 2, 0);
  x = b.conv(x, b.uniform(1, 20), 3, 3, 1, 2, 1);
  x = b.simple(x, LayerType::Flatten);
  x = b.linear(x, b.uniform(2, 12));
  return b.finish_calibrated(x, derive_seed(seed, 2));
}

}  // namespace

TEST_CASE("convs skipping their zero padding equal the golden engine, fused or not", "[fast]") {
  const int bits = GENERATE(2, 5, 8);
  const WeightStorage storage = GENERATE(WeightStorage::Unsigned, WeightStorage::TwosComplement);
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  const uint64_t case_seed = derive_seed(derive_seed(derive_seed(seed, uint64_t(bits)), uint64_t(storage)), 99);
  const Network net = zero_padding_network(case_seed, {bits, storage, seed % 2 == 0});
  const int64_t count = 4, image_size = net.input_shape.size();
  const std::vector<uint8_t> pixels = random_bytes(derive_seed(case_seed, 3), count * image_size);
  INFO("bits " << bits << " storage " << int(storage) << " seed " << seed);
  // Executed MACs: at least the MACs on window positions inside the input (counted here from the
  // shapes alone) of the pixels the network uses — those a following max-pool's windows cover —
  // and at most the dense GEMMs'.
  int64_t inside = 0, dense = 0;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (!L.has_weights()) continue;
    int used_h = L.out_shape.h, used_w = L.out_shape.w;
    if (l + 2 < net.layers.size() && net.layers[l + 2].type == LayerType::MaxPool2d) {  // conv, relu, pool
      const Layer& P = net.layers[l + 2];
      used_h = (P.out_shape.h - 1) * P.stride_h + P.kernel_h;
      used_w = (P.out_shape.w - 1) * P.stride_w + P.kernel_w;
    }
    const int64_t cg = L.in_shape.c / L.groups;
    const int64_t k_padded =
        L.type == LayerType::Linear ? (L.weight.per_out + 3) / 4 * 4 : L.kernel_h * ((L.kernel_w * cg + 3) / 4 * 4);
    dense += L.gemm_m() * k_padded * L.out_channels;
    if (L.type == LayerType::Linear) {
      inside += L.weight.per_out * L.out_channels;
      continue;
    }
    for (int oy = 0; oy < used_h; ++oy)
      for (int ox = 0; ox < used_w; ++ox)
        for (int ky = 0; ky < L.kernel_h; ++ky)
          for (int kx = 0; kx < L.kernel_w; ++kx) {
            const int iy = oy * L.stride_h - L.pad_h + ky, ix = ox * L.stride_w - L.pad_w + kx;
            if (iy >= 0 && iy < L.in_shape.h && ix >= 0 && ix < L.in_shape.w) inside += cg * L.out_channels;
          }
  }
  for (bool faulty : {false, true}) {
    const LayerWeights w = faulty ? flipped_weights(net, derive_seed(case_seed, 4)) : stored_weights(net);
    std::vector<uint8_t> golden_out;
    std::vector<std::vector<std::vector<uint8_t>>> golden;
    for (int64_t i = 0; i < count; ++i) {
      golden.push_back(run_all_layers(net, pixels.data() + i * image_size, w));
      golden_out.insert(golden_out.end(), golden.back()[size_t(net.output)].begin(),
                        golden.back()[size_t(net.output)].end());
    }
    for (Int8Kernel k : {Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni}) {
      if (!int8_kernel_supported(k)) continue;
      INFO("faulty " << faulty << " kernel " << int8_kernel_name(k));
      const FastInference fast(net, w, k);
      CHECK(fast.gemm_macs_per_image() >= inside);
      // One-row tiles (portable kernel) compute exactly each window's part inside the input;
      // wider register tiles compute unions, never more than the dense GEMM.
      if (k == Int8Kernel::Portable) CHECK(fast.gemm_macs_per_image() < dense);
      CHECK(fast.gemm_macs_per_image() <= dense);
      for (int64_t i = 0; i < count; ++i)
        CHECK(fast.run_all_layers(pixels.data() + i * image_size) == golden[size_t(i)]);
      CHECK(fast.scores(pixels.data(), count, 2) == golden_out);
    }
  }
}

TEST_CASE("int8 output stages equal the formula of docs/quantization.md, pooled or not", "[fast][gemm]") {
  // A 5 x 7 image of random accumulators (extreme values included, so the uint32 corrections
  // wrap), 19 channels, row sums, relu clamp; int8_requantize against the formula evaluated here
  // in 64-bit arithmetic, and int8_requantize_maxpool (2 x 2 / stride 2 and 3 x 2 / stride (1, 2))
  // against a max-pool of those codes.
  const int h = 5, w = 7, n = 19, ldc = 32;
  SplitMix64 r(9);
  std::vector<int32_t> c(size_t(h * w * ldc)), row_sum(size_t(h * w));
  for (auto& v : c)
    v = r.uniform() < 0.1 ? (r.uniform() < 0.5 ? INT32_MIN : INT32_MAX) : int32_t(r.next() >> 48) - (1 << 15);
  for (auto& v : row_sum) v = int32_t(r.next() % 5000);
  std::vector<uint32_t> c0(n), c1(n);
  std::vector<int64_t> mul(n), shift(n);
  for (int j = 0; j < n; ++j) {
    c0[size_t(j)] = uint32_t(int32_t(r.next() % 8192) - 4096);
    c1[size_t(j)] = uint32_t(int32_t(r.next() % 7) - 3);
    mul[size_t(j)] = int64_t(1 << 30) + int64_t(r.next() % (1u << 30));
    shift[size_t(j)] = 37 + int64_t(r.next() % 3);
  }
  const Int8Requant rq{c0.data(), c1.data(), mul.data(), shift.data(), 7, 9};
  for (Int8Kernel k : {Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni}) {
    if (!int8_kernel_supported(k)) continue;
    std::vector<uint8_t> codes(size_t(h * w * n)), got_codes(codes.size());
    for (int px = 0; px < h * w; ++px)
      for (int j = 0; j < n; ++j) {
        const uint32_t acc32 =
            uint32_t(c[size_t(px * ldc + j)]) + c0[size_t(j)] + c1[size_t(j)] * uint32_t(row_sum[size_t(px)]);
        const int64_t acc = acc32 >= 0x80000000u ? int64_t(acc32) - (int64_t(1) << 32) : int64_t(acc32);
        const int64_t sh = shift[size_t(j)];
        const int64_t v = 7 + ((acc * mul[size_t(j)] + (int64_t(1) << (sh - 1))) >> sh);
        codes[size_t(px * n + j)] = uint8_t(std::clamp<int64_t>(v, 9, 255));
      }
    int8_requantize(k, c.data(), ldc, h * w, n, row_sum.data(), rq, got_codes.data(), n);
    CHECK(got_codes == codes);
    for (const Int8MaxPool p : {Int8MaxPool{w, 2, 3, 2, 2, 2, 2}, Int8MaxPool{w, 3, 3, 3, 2, 1, 2}}) {
      std::vector<uint8_t> got(size_t(p.out_h * p.out_w * n));
      int8_requantize_maxpool(k, c.data(), ldc, n, row_sum.data(), rq, p, got.data(), n);
      int distinct = 0;
      for (int py = 0; py < p.out_h; ++py)
        for (int px = 0; px < p.out_w; ++px)
          for (int j = 0; j < n; ++j) {
            uint8_t m = 0;
            for (int ky = 0; ky < p.kernel_h; ++ky)
              for (int kx = 0; kx < p.kernel_w; ++kx)
                m = std::max(m, codes[size_t(((py * p.stride_h + ky) * w + px * p.stride_w + kx) * n + j)]);
            const uint8_t g = got[size_t((py * p.out_w + px) * n + j)];
            INFO("kernel " << int8_kernel_name(k) << " pool " << p.kernel_h << "x" << p.kernel_w << " at " << py << ","
                           << px << " channel " << j);
            REQUIRE(g == m);
            distinct += m > 9 && m < 255;
          }
      CHECK(distinct > 0);  // the comparison is not between constants
    }
  }
}
