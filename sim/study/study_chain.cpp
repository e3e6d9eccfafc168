#include "sim/study/study_chain.h"

#include <cstring>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

#include "models/accelerator_top.h"
#include "models/point_evaluation.h"
#include "models/weights_as_read.h"
#include "workloads/inference/reference_inference.h"

namespace lvsim {

FaultSource chain_fault_source(const StudyContext& ctx, int chip) {
  const StudySpec& s = ctx.spec();
  const uint64_t seed = s.chip_seeds[size_t(chip)];
  if (s.axis == StudyAxis::VSram) return FaultSource::chip(*ctx.failure_params(), ctx.geometry(), seed);
  RateFaultParams rp;
  rp.kind = s.fault_model;
  rp.stuck_at_1_fraction = s.stuck_at_1_fraction;
  return FaultSource::rate(rp, ctx.geometry(), seed, "study");
}

std::vector<int64_t> ChainStats::to_array() const {
  return {computed, reused_clean, reused_previous, images_run, resumed, macs_skipped, macs_run};
}

ChainStats ChainStats::from_array(const std::vector<int64_t>& a) {
  ChainStats s;
  if (a.size() != 7) throw std::runtime_error("study: malformed chain statistics");
  s.computed = a[0];
  s.reused_clean = a[1];
  s.reused_previous = a[2];
  s.images_run = a[3];
  s.resumed = a[4];
  s.macs_skipped = a[5];
  s.macs_run = a[6];
  return s;
}

StudyChain::StudyChain(const StudyContext& ctx, int network, int chip, const StudyExecution& exec)
    : ctx_(ctx),
      net_(ctx.networks()[size_t(network)]),
      network_(network),
      chip_(chip),
      // transients: every image reads its own weights
      reuse_(exec.reuse && ctx.spec().transient_ber == 0 &&
             !(ctx.spec().axis == StudyAxis::VSram && !ctx.failure_params()->transient_points.empty())),
      wm_(ctx.arch().weight_sram, net_.net),
      faults_(chain_fault_source(ctx, chip)) {
  set_transient_ber(ctx.spec().transient_ber);
  // Cycle and golden modes run every computed point whole.
  if (reuse_ && exec.layer_reuse && ctx.spec().mode == RunMode::Fast) layers_.emplace(exec.layer_reuse_budget_bytes);
}

void StudyChain::set_transient_ber(double rate) {
  if (transient_ ? transient_->rate_per_bit() == rate : rate == 0) return;
  wm_.set_transient(nullptr);
  transient_.reset();
  if (rate > 0) {
    transient_ = std::make_unique<TransientReadErrors>(rate, ctx_.geometry(), ctx_.spec().chip_seeds[size_t(chip_)]);
    wm_.set_transient(transient_.get());
  }
}

StudyChain::~StudyChain() = default;

void StudyChain::apply_faults(int v, PointRecord& r) {
  const double x = ctx_.spec().values[size_t(v)];
  const FaultMap map = faults_.faults_at(x);
  // A measured chip profile also errs transiently, at a rate that follows the voltage.
  if (faults_.kind() == FaultSource::Kind::Chip)
    set_transient_ber(combined_transient_ber(ctx_.spec().transient_ber, faults_.transient_ber_at(x)));
  const FaultCounts c = map.counts();
  r.failing_cells = c.failing_cells;
  r.faulty_words = c.faulty_words;
  wm_.set_faults(map.word_faults());
}

std::vector<int> StudyChain::predict_cycle_level(const PointRecord& r, std::array<int64_t, 9>& zero_macs,
                                                 int64_t& transient_bit_errors) {
  // The SystemC kernel elaborates once per process: each point's cycle-level run happens in a
  // child process that inherits this weight memory, and returns its predictions through a pipe.
  const Dataset& test = ctx_.test();
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("cycle mode: pipe() failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cycle mode: fork() failed");
  if (pid == 0) {
    ::close(fds[0]);
    const PointPrediction cycle = predict_point(RunMode::Cycle, net_.arch, net_.net, &wm_, {}, test, 1);
    std::vector<int64_t> out;
    for (size_t i = 0; i < cycle.cycle_runs.size(); ++i) {
      out.push_back(cycle.predictions[i]);
      out.push_back(cycle.cycle_runs[i].cycles);
      // What this image's own weight reads delivered (WeightMemory's count, not a recomputation).
      const DeliveredWeightErrors& d = cycle.cycle_runs[i].weight_errors;
      out.insert(out.end(), {d.bit_errors, d.weights_changed, d.ecc_corrected, d.ecc_detected, d.ecc_silent,
                             d.transient_bit_errors});
    }
    const std::array<int64_t, 9> zeros = cycle.zero_operand_macs_by_weight_bits();
    out.insert(out.end(), zeros.begin(), zeros.end());
    const char* p = reinterpret_cast<const char*>(out.data());
    size_t left = out.size() * sizeof(int64_t);
    while (left > 0) {
      const ssize_t n = ::write(fds[1], p, left);
      if (n <= 0) ::_exit(3);
      p += n;
      left -= size_t(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  constexpr size_t kPerImage = 8;  // prediction, cycles, the delivered counts above
  std::vector<int64_t> in(size_t(test.count) * kPerImage + zero_macs.size());
  char* p = reinterpret_cast<char*>(in.data());
  size_t left = in.size() * sizeof(int64_t);
  while (left > 0) {
    const ssize_t n = ::read(fds[0], p, left);
    if (n <= 0) break;
    p += n;
    left -= size_t(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (left != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("cycle mode: the SystemC child process failed");
  std::vector<int> pred;
  transient_bit_errors = 0;
  for (int64_t i = 0; i < test.count; ++i) {
    const int64_t* image = in.data() + size_t(i) * kPerImage;
    // The cycle model and the closed form the energy is costed from must agree exactly, and so must
    // the persistent errors its reads delivered and the bulk read the point records.
    if (image[1] != net_.cycles_per_image)
      throw std::runtime_error("cycle mode: SystemC cycles differ from the closed form for image " + std::to_string(i));
    if (image[2] != r.bit_errors || image[3] != r.weights_changed || image[4] != r.ecc_corrected ||
        image[5] != r.ecc_detected || image[6] != r.ecc_silent)
      throw std::runtime_error("cycle mode: the SystemC reads delivered other bit errors than the bulk read, image " +
                               std::to_string(i));
    transient_bit_errors += image[7];
    pred.push_back(int(image[0]));
  }
  std::copy(in.end() - std::ptrdiff_t(zero_macs.size()), in.end(), zero_macs.begin());
  return pred;
}

void StudyChain::count_macs(int started_at) {
  const int64_t images = ctx_.test().count;
  for (size_t l = 0; l < net_.net.layers.size(); ++l)
    (int(l) < started_at ? stats_.macs_skipped : stats_.macs_run) += net_.net.layers[l].macs() * images;
  if (started_at > 0) ++stats_.resumed;
}

std::pair<int64_t, int64_t> StudyChain::evaluate(const LayerWeights& w, PointRecord& r, int next_change) {
  const Dataset& test = ctx_.test();
  const RunMode mode = ctx_.spec().mode;
  std::vector<int> pred;
  if (mode == RunMode::Cycle) {
    pred = predict_cycle_level(r, r.zero_operand_macs_by_weight_bits, r.transient_bit_errors);
    count_macs(0);
  } else {
    int started_at = 0;
    const PointPrediction p = layers_ ? layers_->run(net_.net, w, test, ctx_.threads(), next_change, started_at)
                                      : predict_point(mode, net_.arch, net_.net, &wm_, w, test, ctx_.threads());
    count_macs(started_at);
    pred = p.predictions;
    r.zero_operand_macs_by_weight_bits = p.zero_operand_macs_by_weight_bits();
    r.transient_bit_errors = p.transient_bit_errors;
  }
  const AccuracyCounts a = count_accuracy(pred, net_.clean_predictions, test);
  stats_.images_run += test.count;
  return {a.correct, a.robust_wrong};
}

void StudyChain::walk(const std::vector<int>& needed, const std::map<int, PointRecord>& known,
                      const std::function<void(Step&)>& visit) {
  LayerWeights previous, last_weights;  // at the previous value; at the last point with a result
  bool have_last = false;
  size_t next = 0;
  for (int v = 0; v <= needed.back(); ++v) {
    Step s;
    s.v = v;
    s.r.network = network_;
    s.r.value = v;
    s.r.chip = chip_;
    s.r.images = ctx_.test().count;
    apply_faults(v, s.r);
    FaultReport fr;
    s.w = read_all_weights(net_.net, wm_, fr);
    s.r.bits_stored = fr.bits_stored;
    s.r.error_counts() = fr;  // transient_bit_errors: 0 (evaluate() counts them)
    s.r.weights_as_previous_value = v > 0 && s.w == previous;
    const bool wanted = next < needed.size() && needed[next] == v;
    if (known.count(v)) {
      s.source = Source::Known;
    } else if (wanted) {
      s.source = reuse_ && s.w == net_.stored                 ? Source::Clean
                 : reuse_ && have_last && s.w == last_weights ? Source::Previous
                                                              : Source::Run;
    }
    visit(s);
    if (s.source != Source::Skip) {
      last_weights = s.w;
      have_last = true;
    }
    if (wanted) ++next;
    previous = std::move(s.w);
  }
}

std::map<int, int> StudyChain::plan_next_changes(const std::vector<int>& needed,
                                                 const std::map<int, PointRecord>& known) {
  std::map<int, int> next_change;
  LayerWeights run_weights;
  int run_value = -1;
  walk(needed, known, [&](Step& s) {
    if (s.source != Source::Run) return;
    if (run_value >= 0) next_change[run_value] = first_changed_layer(s.w, run_weights);
    run_weights = s.w;
    run_value = s.v;
  });
  return next_change;
}

void StudyChain::run(const std::vector<int>& needed, const std::map<int, PointRecord>& known,
                     const std::function<void(const PointRecord&)>& done) {
  if (needed.empty()) return;
  // Partial re-runs: a first walk finds, for each point to run, where the next one first differs,
  // so that it leaves its activations there (the walks read the same weights: faults are a pure
  // function of chip and value).
  const std::map<int, int> next_change = layers_ ? plan_next_changes(needed, known) : std::map<int, int>();
  PointRecord last;  // the last point with a result (computed or known)
  walk(needed, known, [&](Step& s) {
    PointRecord& r = s.r;
    switch (s.source) {
      case Source::Skip:
        return;
      case Source::Known:
        last = known.at(s.v);
        return;
      case Source::Clean:
        r.correct = net_.correct_clean;
        r.robust_wrong = r.images - net_.correct_clean;
        r.zero_operand_macs_by_weight_bits = net_.clean_zero_macs;
        ++stats_.reused_clean;
        break;
      case Source::Previous:
        r.correct = last.correct;
        r.robust_wrong = last.robust_wrong;
        r.zero_operand_macs_by_weight_bits = last.zero_operand_macs_by_weight_bits;
        ++stats_.reused_previous;
        break;
      case Source::Run: {
        const auto n = next_change.find(s.v);
        std::tie(r.correct, r.robust_wrong) = evaluate(s.w, r, n == next_change.end() ? -1 : n->second);
        ++stats_.computed;
        break;
      }
    }
    last = r;
    done(r);
  });
}

}  // namespace lvsim
