#include "models/controller.h"

#include <algorithm>
#include <stdexcept>

namespace lvsim {

Controller::Controller(const ArchitectureParams& arch, SystolicArray& array, WeightMemory& weights,
                       PostProcessingUnit& post)
    : arch_(arch), array_(array), weights_(weights), post_(post) {
  if (array.rows() != arch.rows || array.cols() != arch.cols)
    throw std::invalid_argument("Controller: array dimensions differ from the architecture");
}

void Controller::start_layer(const Network& net, int layer, const std::vector<const std::vector<uint8_t>*>& inputs) {
  net_ = &net;
  layer_ = layer;
  inputs_ = inputs;
  const Layer& L = net.layers.at(size_t(layer));
  if (inputs.size() != L.inputs.size()) throw std::invalid_argument("Controller: wrong number of layer inputs");
  measured_ = LayerTiming{};
  counts_ = ActionCounts{};
  post_.reset_counts();
  array_.clear();
  array_at_start_ = array_.stats();
  cycle_ = 0;
  phase_cycle_ = 0;
  mapped_pes_ = 0;
  cur_index_ = -1;
  output_.clear();
  reads_now_.clear();
  fetch_ = Fetch{};
  stream_ = WeightStreamPlan{};
  post_tiles_.clear();
  post_wait_ = 0;
  counts_.dram_bytes = network_dram_bytes(net, layer);
  weight_dram_cycles_ = 0;
  spill_bytes_ = activation_spill_bytes(arch_, net, layer);
  if (L.type == LayerType::GroupNorm) {
    gm_ = GemmMapping{};
    if (net.params_in_weight_sram(L)) {
      begin_param_fetch();
      state_ = State::ParamFetch;
    } else {
      post_.start_group_norm(net, layer, inputs.at(0), L.weight.stored, &output_);
      state_ = State::Post;
    }
    return;
  }
  if (!L.has_weights()) {
    gm_ = GemmMapping{};
    post_.start_layer(net, layer, inputs, &output_);
    if (post_.busy())
      state_ = State::Post;
    else
      end_layer();
    return;
  }
  gm_ = map_gemm(arch_, net, layer);
  // The input buffer as the array edge reads it: im2col rows with the input zero point subtracted
  // (padding positions hold z_in, so they contribute 0).
  const std::vector<uint8_t>& in = *inputs.at(0);
  const Shape is = L.in_shape, os = L.out_shape;
  const int32_t za = L.in_quant.zero_point;
  const int cin_g = is.c / L.groups;
  im2col_.assign(size_t(gm_.groups * gm_.m * gm_.k), 0);
  for (int64_t g = 0; g < gm_.groups; ++g)
    for (int64_t m = 0; m < gm_.m; ++m) {
      const int y = int(m / os.w), x = int(m % os.w);
      int16_t* row = im2col_.data() + (g * gm_.m + m) * gm_.k;
      int64_t k = 0;
      for (int c = 0; c < cin_g; ++c)
        for (int ky = 0; ky < L.kernel_h; ++ky)
          for (int kx = 0; kx < L.kernel_w; ++kx, ++k) {
            const int iy = y * L.stride_h - L.pad_h + ky, ix = x * L.stride_w - L.pad_w + kx;
            if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
            row[k] = int16_t(int32_t(in[size_t((int64_t(g * cin_g + c) * is.h + iy) * is.w + ix)]) - za);
          }
    }
  out_buf_.assign(size_t(gm_.groups * gm_.m * gm_.n), 0);
  plan_ = plan_folds(arch_, gm_);
  stream_ = plan_weight_stream(arch_, net, layer, weights_.layout(), plan_);
  unit_ready_.assign(stream_.units.size(), -1);
  unit_fetched_.assign(stream_.units.size(), -1);
  next_burst_ = 0;
  burst_unit_ = -1;
  begin_fetch(0);
  state_ = State::WaitFetch;
  prefetch_first_fold(weight_prefetch_window_cycles(arch_, net, layer));
}

// array.weight_prefetch: the first fold's words are read in the `window` cycles before the layer
// (the previous layer's last fold and post-processing), at most read_ports_per_bank per bank per
// cycle, and counted as this layer's reads; the fold starts at once when they are all in, else the
// rest is fetched while the array waits.
void Controller::prefetch_first_fold(int64_t window) {
  for (int64_t c = -window; c < 0 && !fetch_.done; ++c) fetch_cycle(c);
  reads_now_.clear();
  if (fetch_.done) begin_fold(0);
}

// The groupnorm's parameter words, all of them, read at most `ports` per bank per cycle (the
// fetch machinery of a fold, with no fold to run).
void Controller::begin_param_fetch() {
  const WeightLayout& layout = weights_.layout();
  fetch_ = Fetch{};
  fetch_.fold = 0;
  fetch_unit_ = -1;
  for (int64_t w = 0; w < layout.words(layer_); ++w) fetch_.words.push_back(layout.first_word(layer_) + w);
  fetch_.values.assign(fetch_.words.size(), 0);
  fetch_.words_per_bank.assign(size_t(arch_.weight_sram.banks), {});
  fetch_.next.assign(size_t(arch_.weight_sram.banks), 0);
  for (size_t i = 0; i < fetch_.words.size(); ++i)
    fetch_.words_per_bank[size_t(layout.word_address(fetch_.words[i]).bank)].push_back(i);
}

// The fetched parameter words unpacked into patterns (faults included), handed to the unit.
void Controller::start_group_norm() {
  const WeightLayout& layout = weights_.layout();
  const Layer& L = net_->layers[size_t(layer_)];
  std::vector<uint8_t> params(L.weight.stored.size());
  const int64_t first = layout.first_word(layer_);
  for (size_t i = 0; i < params.size(); ++i)
    params[i] =
        weights_.extract(layer_, int64_t(i), fetch_.values[size_t(layout.global_word(layer_, int64_t(i)) - first)]);
  fetch_ = Fetch{};
  post_.start_group_norm(*net_, layer_, inputs_.at(0), params, &output_);
  state_ = State::Post;
}

void Controller::begin_fetch(int fold) {
  const WeightLayout& layout = weights_.layout();
  fetch_ = Fetch{};
  fetch_.fold = fold;
  fetch_unit_ = stream_.empty() ? -1 : stream_.unit_of_fold(fold);
  for_each_fold_word_run(layout, layer_, gm_.k, plan_.folds[size_t(fold)], [&](int64_t lo, int64_t hi) {
    for (int64_t w = lo; w <= hi; ++w) fetch_.words.push_back(w);
  });
  fetch_.values.assign(fetch_.words.size(), 0);
  fetch_.words_per_bank.assign(size_t(arch_.weight_sram.banks), {});
  fetch_.next.assign(size_t(arch_.weight_sram.banks), 0);
  for (size_t i = 0; i < fetch_.words.size(); ++i)
    fetch_.words_per_bank[size_t(layout.word_address(fetch_.words[i]).bank)].push_back(i);
}

// One burst at a time: a burst ends dram_cycles after it starts; the next starts in the same cycle
// if the ring words it overwrites are no longer needed (its wait unit fully fetched).
void Controller::stream_cycle(int64_t c) {
  if (stream_.empty()) return;
  for (;;) {
    if (burst_unit_ >= 0) {
      if (c < burst_end_) return;
      unit_ready_[size_t(burst_unit_)] = burst_end_;
      burst_unit_ = -1;
    }
    if (next_burst_ >= stream_.units.size()) return;
    const StreamUnit& u = stream_.units[next_burst_];
    if (u.wait_unit >= 0) {
      const int64_t free_at = unit_fetched_[size_t(u.wait_unit)];
      if (free_at < 0 || free_at > c) return;
    }
    burst_unit_ = int(next_burst_++);
    burst_end_ = c + u.dram_cycles;
    weight_dram_cycles_ += u.dram_cycles;
    counts_.dram_bytes += u.dram_bytes;
    counts_.weight_sram_writes += u.new_words;
    if (arch_.weight_sram.secded()) counts_.ecc_encodes += u.new_words;
  }
}

// Each bank delivers at most read_ports_per_bank words per cycle.
void Controller::fetch_cycle(int64_t c) {
  if (fetch_unit_ >= 0) {
    const int64_t ready = unit_ready_[size_t(fetch_unit_)];
    if (ready < 0 || ready > c) return;  // the unit's burst has not arrived
  }
  const WeightLayout& layout = weights_.layout();
  const int ports = arch_.weight_sram.read_ports_per_bank;
  const bool secded = arch_.weight_sram.secded();
  bool left = false;
  for (size_t b = 0; b < fetch_.words_per_bank.size(); ++b) {
    const std::vector<size_t>& rows = fetch_.words_per_bank[b];
    size_t& next = fetch_.next[b];
    for (int p = 0; p < ports && next < rows.size(); ++p, ++next) {
      const size_t i = rows[next];
      const WordAddress a = layout.word_address(fetch_.words[i]);
      fetch_.values[i] = weights_.read_word(fetch_.words[i]);
      reads_now_.push_back(a);
      ++counts_.weight_sram_reads;
      if (secded) ++counts_.ecc_decodes;
    }
    left = left || next < rows.size();
  }
  fetch_.done = !left;
  if (fetch_.done && fetch_unit_ >= 0 && fetch_.fold == stream_.units[size_t(fetch_unit_)].last_fold)
    unit_fetched_[size_t(fetch_unit_)] = c + 1;
}

// Weight `index` of the layer sits in global word first + index / per_word at bit
// (index % per_word) * bits (WeightLayout::locate, WeightMemory::extract); both are walked
// incrementally here instead of dividing per weight. Patterns are decoded through a table.
void Controller::stage(const Fetch& fetch, std::vector<int16_t>& staged) {
  const Fold& f = plan_.folds[size_t(fetch.fold)];
  const WeightTensor& W = net_->layers[size_t(layer_)].weight;
  const WeightLayout& layout = weights_.layout();
  const int64_t per_word = layout.weights_per_word(layer_), first = layout.first_word(layer_);
  const int bits = layout.weight_bits(layer_);
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  int32_t decoded[256];
  for (int p = 0; p <= int(mask); ++p) decoded[p] = W.decode(uint8_t(p));
  const int64_t nk = f.k1 - f.k0;
  staged.assign(size_t((f.o1 - f.o0) * nk), 0);
  for (int64_t o = f.o0; o < f.o1; ++o) {
    const int32_t zw = W.zero_point[size_t(o)];
    const int64_t index0 = o * gm_.k + f.k0;
    int64_t slot = index0 % per_word;
    // The fold's words of one filter are consecutive global words, all in fetch.words.
    size_t i = size_t(std::lower_bound(fetch.words.begin(), fetch.words.end(), first + index0 / per_word) -
                      fetch.words.begin());
    int16_t* out = staged.data() + (o - f.o0) * nk;
    for (int64_t k = 0; k < nk; ++k) {
      const uint64_t pattern = (fetch.values[i] >> (slot * bits)) & mask;
      out[k] = int16_t(decoded[pattern] - zw);
      if (++slot == per_word) slot = 0, ++i;
    }
  }
}

void Controller::begin_fold(int fold) {
  stage(fetch_, staged_);
  cur_ = plan_.folds[size_t(fold)];
  cur_index_ = fold;
  // Zero weight operands per reduction index k of the fold, over its filters: an activation that
  // is not zero still leaves that many of its MACs gated (WS, OS).
  const int64_t nk = cur_.k1 - cur_.k0;
  zero_weights_by_k_.assign(size_t(nk), 0);
  for (int64_t o = 0; o < cur_.o1 - cur_.o0; ++o)
    for (int64_t k = 0; k < nk; ++k) zero_weights_by_k_[size_t(k)] += staged_[size_t(o * nk + k)] == 0;
  nonzero_stationary_.assign(size_t(arch_.rows), 0);
  ++measured_.folds;
  fold_start_ = cycle_;
  mapped_pes_ += cur_.rows * cur_.cols;
  array_.set_mapped(int(cur_.rows), int(cur_.cols));
  phase_cycle_ = 0;
  tile_seen_ = false;
  state_ = gm_.dataflow == Dataflow::OutputStationary ? State::OsCompute : State::Load;
  if (fold + 1 < int(plan_.folds.size()))
    begin_fetch(fold + 1);
  else
    fetch_ = Fetch{};
}

// slot[i * step] (+)= v[i] for i < count; 32-bit wrap-around as the hardware adder.
void Controller::accumulate_run(int32_t* slot, int64_t step, const int32_t* v, int64_t count, bool first) {
  if (first) {
    for (int64_t i = 0; i < count; ++i) slot[i * step] = v[i];
  } else {
    for (int64_t i = 0; i < count; ++i) slot[i * step] = int32_t(uint32_t(slot[i * step]) + uint32_t(v[i]));
    counts_.output_buffer_reads += 4 * count;
  }
  counts_.output_buffer_writes += 4 * count;
}

// Operand vector t = n - r enters row r on stream cycle n (skew): rows [lo, hi) carry one, the
// rest 0.
void Controller::stream_inputs(int64_t n, int16_t* left) {
  const int R = arch_.rows;
  const int64_t T = gm_.stream;
  const int bits = net_->layers[size_t(layer_)].weight.bits;
  const int lo = int(std::max<int64_t>(0, n - T + 1)), hi = int(std::min<int64_t>(cur_.rows, n + 1));
  std::fill(left, left + R, int16_t(0));
  if (gm_.dataflow == Dataflow::WeightStationary) {
    for (int r = lo; r < hi; ++r) {
      left[r] = activation(cur_.group, n - r, cur_.row0 + r);
      // It meets the stationary weights of its row's mapped columns, one MAC each: all gated if
      // it is zero, else those whose weight is zero.
      counts_.zero_operand_macs_by_weight_bits[size_t(bits)] +=
          left[r] == 0 ? cur_.cols : zero_weights_by_k_[size_t(cur_.row0 + r - cur_.k0)];
    }
    if (hi > lo) counts_.input_buffer_reads += hi - lo;
  } else {
    for (int r = lo; r < hi; ++r) {
      left[r] = weight(cur_.o0 + n - r, cur_.row0 + r);
      // A zero weight gates its MACs with the row's non-zero stationary activations (the zero
      // ones were counted, for every filter, when they were loaded).
      if (left[r] == 0) counts_.zero_operand_macs_by_weight_bits[size_t(bits)] += nonzero_stationary_[size_t(r)];
    }
  }
  if (hi > lo) counts_.macs_by_weight_bits[size_t(bits)] += int64_t(hi - lo) * cur_.cols;
}

// The sum of vector t leaves column c R-1+c cycles after it entered: on stream cycle n, t =
// n - (R-1) - c, so columns [lo, hi) deliver one.
void Controller::collect_stream(int64_t n, const int32_t* out) {
  const int64_t R = arch_.rows, T = gm_.stream;
  const bool first = cur_.row0 == 0;
  const int64_t lo = std::max<int64_t>(0, n - (R - 1) - (T - 1)), hi = std::min<int64_t>(cur_.cols, n - (R - 1) + 1);
  if (hi <= lo) return;
  if (!tile_seen_) note_output_tile(fold_start_ + R + n);  // stream cycle n follows the R load cycles
  const int64_t g = cur_.group, t0 = n - (R - 1) - lo;
  if (gm_.dataflow == Dataflow::WeightStationary) {
    // out_buf[g][t][col0 + c]: t falls by one as c rises by one.
    int32_t* slot = out_buf_.data() + (g * gm_.m + t0) * gm_.n + cur_.col0 + lo;
    accumulate_run(slot, 1 - gm_.n, out + lo, hi - lo, first);
  } else {
    // out_buf[g][col0 + c][t]
    int32_t* slot = out_buf_.data() + (g * gm_.m + cur_.col0 + lo) * gm_.n + t0;
    accumulate_run(slot, gm_.n - 1, out + lo, hi - lo, first);
  }
}

int Controller::run_stream_batch(int max_cycles) {
  if (state_ != State::Stream) return 0;
  const int64_t end = gm_.stream + arch_.rows + arch_.cols - 2;  // the fold's last cycle goes per cycle
  const int n =
      int(std::min<int64_t>({int64_t(max_cycles), int64_t(SystolicArray::kMaxStreamBatch), end - 1 - phase_cycle_}));
  if (n < 2) return 0;
  const int R = arch_.rows;
  batch_left_.resize(size_t(n) * size_t(R));
  for (int j = 0; j < n; ++j) {
    reads_now_.clear();
    stream_cycle(cycle_ + j);
    if (fetch_.fold >= 0 && !fetch_.done) fetch_cycle(cycle_ + j);
    stream_inputs(phase_cycle_ + j, batch_left_.data() + size_t(j) * size_t(R));
  }
  array_.stream(n, batch_left_.data());
  for (int j = 0; j < n; ++j) collect_stream(phase_cycle_ + j, array_.bottom_out(n - 1 - j));
  phase_cycle_ += n;
  cycle_ += n;
  measured_.array_cycles += n;
  return n;
}

void Controller::before_edge() {
  reads_now_.clear();
  stream_cycle(cycle_);
  if (fetch_.fold >= 0 && !fetch_.done) fetch_cycle(cycle_);
  const int R = arch_.rows, C = arch_.cols;
  const int bits = state_ == State::Post || state_ == State::Done ? 0 : net_->layers[size_t(layer_)].weight.bits;
  int16_t* left = array_.left_in();
  int16_t* top = array_.top_in();
  switch (state_) {
    case State::WaitFetch:
    case State::DramWait:
    case State::ParamFetch:
    case State::Done:
      array_.set_mode(ArrayMode::Idle);
      break;
    case State::Post:
      array_.set_mode(ArrayMode::Idle);
      if (post_.busy()) post_.tick();
      break;
    case State::Load: {
      array_.set_mode(ArrayMode::LoadStationary);
      const int64_t rr = R - 1 - phase_cycle_;  // the first row pushed ends up deepest
      std::fill(top, top + C, int16_t(0));
      if (rr < cur_.rows) {
        const int cols = int(cur_.cols);
        if (gm_.dataflow == Dataflow::WeightStationary) {
          for (int c = 0; c < cols; ++c) top[c] = weight(cur_.o0 + c, cur_.row0 + rr);
        } else {
          for (int c = 0; c < cols; ++c) {
            top[c] = activation(cur_.group, cur_.col0 + c, cur_.row0 + rr);
            // A stationary activation meets all N streamed filters, one MAC each.
            if (top[c] == 0)
              counts_.zero_operand_macs_by_weight_bits[size_t(bits)] += gm_.n;
            else
              ++nonzero_stationary_[size_t(rr)];
          }
          counts_.input_buffer_reads += cols;
        }
      }
      break;
    }
    case State::Stream:
      array_.set_mode(ArrayMode::Stream);
      stream_inputs(phase_cycle_, left);
      break;
    case State::OsCompute: {
      array_.set_mode(ArrayMode::OsCompute);
      // Activation k = n - r of pixel row r, weight k = n - c of filter column c.
      const int64_t n = phase_cycle_;
      const int lo = int(std::max<int64_t>(0, n - gm_.k + 1)), hi = int(std::min<int64_t>(cur_.rows, n + 1));
      std::fill(left, left + R, int16_t(0));
      for (int r = lo; r < hi; ++r) {
        left[r] = activation(cur_.group, cur_.row0 + r, n - r);
        // It travels along its row, meeting the weight of the same k in every mapped column.
        counts_.zero_operand_macs_by_weight_bits[size_t(bits)] +=
            left[r] == 0 ? cur_.cols : zero_weights_by_k_[size_t(n - r - cur_.k0)];
      }
      if (hi > lo) {
        counts_.input_buffer_reads += hi - lo;
        counts_.macs_by_weight_bits[size_t(bits)] += int64_t(hi - lo) * cur_.cols;
      }
      const int clo = int(std::max<int64_t>(0, n - gm_.k + 1)), chi = int(std::min<int64_t>(cur_.cols, n + 1));
      std::fill(top, top + C, int16_t(0));
      for (int c = clo; c < chi; ++c) top[c] = weight(cur_.o0 + c, n - c);
      break;
    }
    case State::OsDrain:
      array_.set_mode(ArrayMode::OsDrain);
      break;
  }
}

void Controller::after_edge() {
  const int64_t R = arch_.rows, C = arch_.cols;
  const int64_t T = gm_.stream;
  if (state_ == State::Done) return;
  ++cycle_;  // from here on: cycles completed, i.e. the index of the next cycle
  bool fold_ended = false;
  switch (state_) {
    case State::Done:
      break;
    case State::WaitFetch:
      ++measured_.stall_cycles;
      if (fetch_.done) begin_fold(cur_index_ + 1);
      break;
    case State::Post:
      ++measured_.post_cycles;
      if (post_wait_ > 0) --post_wait_;
      if (!post_.busy() && post_wait_ == 0) end_layer();
      break;
    case State::DramWait:
      ++measured_.stall_cycles;
      if (cycle_ >= dram_done_) state_ = State::Done;
      break;
    case State::ParamFetch:
      ++measured_.stall_cycles;
      if (fetch_.done) start_group_norm();
      break;
    case State::Load:
      ++measured_.array_cycles;
      if (++phase_cycle_ == R) state_ = State::Stream, phase_cycle_ = 0;
      break;
    case State::Stream: {
      ++measured_.array_cycles;
      collect_stream(phase_cycle_, array_.bottom_out());
      if (++phase_cycle_ == T + R + C - 2) fold_ended = true;
      break;
    }
    case State::OsCompute:
      ++measured_.array_cycles;
      if (++phase_cycle_ == R + C + T - 2) state_ = State::OsDrain, phase_cycle_ = 0;
      break;
    case State::OsDrain: {
      ++measured_.array_cycles;
      const int64_t d = phase_cycle_;  // row d's accumulators leave at the top on drain step d
      if (d < cur_.rows) {
        int32_t* slot = out_buf_.data() + (cur_.group * gm_.m + cur_.row0 + d) * gm_.n + cur_.col0;
        accumulate_run(slot, 1, array_.top_out(), cur_.cols, true);
        if (!tile_seen_) note_output_tile(fold_start_ + (R + arch_.cols + T - 2) + d);
      }
      if (++phase_cycle_ == R) fold_ended = true;
      break;
    }
  }
  if (fold_ended) {
    measured_.fold_cycles = cycle_ - fold_start_;
    if (cur_index_ + 1 < int(plan_.folds.size())) {
      if (fetch_.done)
        begin_fold(cur_index_ + 1);
      else
        state_ = State::WaitFetch;
    } else {
      finish_array_part();
    }
  }
}

// post_processing_overlap: the cycle the current fold's first output left the array; when the
// fold completes its output tile (its last K-fold; OS: every fold), the tile is queued for the
// post-processing unit from that cycle on.
void Controller::note_output_tile(int64_t cycle) {
  tile_seen_ = true;
  if (!arch_.post_processing_overlap) return;
  const int64_t elements = dataflow_rules(gm_.dataflow).output_tile_elements(gm_, cur_);
  if (elements > 0) post_tiles_.push_back({cycle, elements});
}

// post_processing_overlap: the unit took the queued tiles one after the other, each from the
// cycle it was queued, `lanes` outputs per cycle; the Post state holds the cycles it still needs
// after the array. The codes are computed here (the accumulators are final only now).
void Controller::finish_array_part() {
  post_.start_requantize(*net_, layer_, &out_buf_, &output_);
  if (arch_.post_processing_overlap) {
    while (post_.busy()) post_.tick();
    post_wait_ =
        std::max<int64_t>(0, PostProcessingUnit::queue_end_cycle(post_tiles_, arch_.post_processing_lanes) - cycle_);
    if (post_wait_ > 0)
      state_ = State::Post;
    else
      end_layer();
    return;
  }
  if (post_.busy())
    state_ = State::Post;
  else
    end_layer();
}

// The DRAM moved the weight bursts and then the spilled activations back to back from the layer's
// start; spilled accumulators are their share of the output-buffer traffic this layer counted
// (array and post-processing).
void Controller::end_layer() {
  spill_bytes_ += accumulator_spill_bytes(arch_, net_->layers[size_t(layer_)],
                                          counts_.output_buffer_reads + counts_.output_buffer_writes +
                                              post_.counts().output_buffer_reads + post_.counts().output_buffer_writes);
  counts_.dram_bytes += spill_bytes_;
  dram_done_ = weight_dram_cycles_ + dram_transfer_cycles(arch_, spill_bytes_);
  state_ = cycle_ < dram_done_ ? State::DramWait : State::Done;
}

LayerRun Controller::finish() {
  if (busy()) throw std::logic_error("Controller::finish: layer still running");
  const int64_t pes = int64_t(arch_.rows) * arch_.cols;
  LayerTiming& t = measured_;
  t.cycles = cycle_;
  t.macs = counts_.macs();
  t.weight_words_read = counts_.weight_sram_reads;
  if (t.folds > 0) {
    t.mapping_efficiency = double(mapped_pes_) / double(t.folds * pes);
    t.compute_utilization = double(t.macs) / double(t.array_cycles * pes);
    t.utilization = double(t.macs) / double((t.array_cycles + t.stall_cycles) * pes);
    t.scalesim_cycles = t.folds * scalesim_fold_cycles(arch_, gm_.dataflow, gm_.stream) - 1;
  }
  const ArrayStats& s = array_.stats();
  counts_.pe_register_bits_written = s.register_bits_written - array_at_start_.register_bits_written;
  // An ungated clock reaches every register bit on every cycle of the layer (counted here rather
  // than from the array's idle edges, which a SystemC kernel may start one edge late).
  counts_.pe_register_bits_idle =
      int64_t(SystolicArray::kRegisterBitsPerPe) * arch_.rows * arch_.cols * cycle_ - counts_.pe_register_bits_written;
  counts_.pe_hops = s.hops - array_at_start_.hops;
  const ActionCounts& p = post_.counts();
  counts_.input_buffer_reads += p.input_buffer_reads;
  counts_.input_buffer_writes += p.input_buffer_writes;
  counts_.output_buffer_reads += p.output_buffer_reads;
  counts_.output_buffer_writes += p.output_buffer_writes;
  counts_.post_ops += p.post_ops;
  counts_.norm_stat_ops += p.norm_stat_ops;
  counts_.rsqrt_ops += p.rsqrt_ops;
  counts_.norm_ops += p.norm_ops;
  counts_.cycles = cycle_;
  t.counts = counts_;
  LayerRun run;
  run.output = std::move(output_);
  run.cycles = t.cycles;
  run.stall_cycles = t.stall_cycles;
  run.timing = t;
  run.counts = counts_;
  return run;
}

LayerRun run_layer_cycle(const ArchitectureParams& arch, const Network& net, int layer,
                         const std::vector<const std::vector<uint8_t>*>& inputs, WeightMemory& wm) {
  SystolicArray array(arch.rows, arch.cols);
  PostProcessingUnit post(arch.post_processing_lanes);
  Controller ctl(arch, array, wm, post);
  ctl.start_layer(net, layer, inputs);
  // Stream phases run in batches (partial sums of a row stay in L1 across the batch's edges).
  const int batch = std::max(2, 4096 / arch.cols);
  while (ctl.busy()) {
    if (ctl.run_stream_batch(batch) > 0) continue;
    ctl.before_edge();
    array.step();
    ctl.after_edge();
  }
  return ctl.finish();
}

}  // namespace lvsim
