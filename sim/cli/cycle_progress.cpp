#include "sim/cli/cycle_progress.h"

namespace lvsim {

namespace {
constexpr double kFirstLineS = 2.0;  // a run shorter than this prints no progress line
constexpr double kIntervalS = 10.0;  // then at most one line per interval
}  // namespace

CycleProgressPrinter::CycleProgressPrinter(const ArchitectureParams& arch, const Network& net,
                                           const std::vector<LayerTiming>& timing, int64_t images, std::FILE* out)
    : net_(net), images_(images), out_(out), rows_(arch.rows), cols_(arch.cols) {
  int64_t per_image = 0;
  for (const LayerTiming& t : timing) {
    layer_cycles_.push_back(t.cycles);
    per_image += t.cycles;
  }
  pe_cycles_ = double(per_image) * double(arch.rows) * double(arch.cols) * double(images);
  start_ = last_ = std::chrono::steady_clock::now();
}

void CycleProgressPrinter::announce() const {
  if (!out_ || pe_cycles_ <= kCycleModeNoticePeCycles) return;
  int64_t per_image = 0;
  for (int64_t c : layer_cycles_) per_image += c;
  std::fprintf(out_,
               "lvsim: cycle mode: %lld image(s) x %lld cycles on a %d x %d array = up to %.2g PE-cycles; the cycle "
               "model simulates ~1e9-1e10 PE-cycles/s, so this takes a while (--mode fast gives the same "
               "predictions, cycles and counts; --quiet hides progress)\n",
               static_cast<long long>(images_), static_cast<long long>(per_image), rows_, cols_, pe_cycles_);
  std::fflush(out_);
}

void CycleProgressPrinter::update(int64_t image, int layer, int64_t layer_cycle) {
  if (!out_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_start = std::chrono::duration<double>(now - start_).count();
  const double since_last = std::chrono::duration<double>(now - last_).count();
  if (since_start < kFirstLineS || (printed_ && since_last < kIntervalS)) return;
  printed_ = true;
  last_ = now;
  const std::string& name = net_.layers[size_t(layer)].name;
  std::fprintf(out_, "lvsim: cycle mode: image %lld/%lld, layer %d/%d '%s', cycle %lld of %lld, %.0f s\n",
               static_cast<long long>(image + 1), static_cast<long long>(images_), layer + 1, int(net_.layers.size()),
               name.c_str(), static_cast<long long>(layer_cycle), static_cast<long long>(layer_cycles_[size_t(layer)]),
               since_start);
  std::fflush(out_);
}

}  // namespace lvsim
