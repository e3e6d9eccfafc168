// Load time of the Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist): the first 100 and
// all images of the test (10,000) and training (60,000) splits. Skipped where the data set is absent.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "workloads/data/dataset.h"

namespace lvsim {
namespace {

const char* const kDir = "/usr/share/datasets/fashion-mnist";

void BM_LoadFashionMnist(benchmark::State& state, Split split, int64_t images) {
  if (!std::filesystem::exists(kDir)) {
    state.SkipWithError("no Fashion-MNIST data set in /usr/share/datasets/fashion-mnist");
    return;
  }
  int64_t loaded = 0;
  for (auto _ : state) {
    const Dataset d = load_dataset(kDir, split, images);
    loaded = d.count;
    benchmark::DoNotOptimize(d.pixels.data());
  }
  state.counters["images"] = double(loaded);
}

BENCHMARK_CAPTURE(BM_LoadFashionMnist, test_100, Split::Test, 100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadFashionMnist, test_all, Split::Test, -1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadFashionMnist, train_100, Split::Train, 100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadFashionMnist, train_all, Split::Train, -1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lvsim

BENCHMARK_MAIN();
