#include "memory/weight_memory.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace lvsim {

DeliveredWeightErrors DeliveredWeightErrors::since(const DeliveredWeightErrors& before) const {
  DeliveredWeightErrors d = *this;
  d.error_counts() -= before;
  for (size_t b = 0; b < d.bit_errors_by_bit.size(); ++b) d.bit_errors_by_bit[b] -= before.bit_errors_by_bit[b];
  return d;
}

bool DeliveredWeightErrors::same_persistent(const DeliveredWeightErrors& o) const {
  DeliveredWeightErrors a = *this, b = o;
  a.transient_bit_errors = b.transient_bit_errors = 0;
  return a == b;
}

WeightMemory::WeightMemory(const WeightSramParams& params, const Network& net) : params_(params), layout_(params, net) {
  if (params_.secded()) secded_ = std::make_unique<Secded>(params_.word_bits);
  banks_.reserve(size_t(params_.banks));
  // Storage for the rows the network occupies (global words 0 .. words_used-1, interleaved); a
  // streamed network keeps its words in image_ and the banks only their cells' faults.
  const bool streamed = layout_.streamed();
  if (streamed) image_.resize(size_t(layout_.words_used()));
  for (int b = 0; b < params_.banks; ++b)
    banks_.emplace_back(
        params_.rows_per_bank, params_.word_bits, params_.check_bits(),
        streamed ? 0 : std::min(params_.rows_per_bank, (layout_.words_used() + params_.banks - 1) / params_.banks));
  stats_.reads_per_bank.assign(size_t(params_.banks), 0);

  clean_.resize(net.layers.size());
  for (int l = 0; l < layout_.layer_count(); ++l) {
    const int64_t n = layout_.weight_count(l);
    if (n == 0) continue;
    const int m = layout_.weight_bits(l);
    const int per_word = layout_.weights_per_word(l);
    const uint8_t mask = uint8_t((1u << m) - 1);
    const std::vector<uint8_t>& src = net.layers[size_t(l)].weight.stored;
    std::vector<uint8_t>& dst = clean_[size_t(l)];
    dst.resize(size_t(n));
    for (int64_t k = 0; k < layout_.words(l); ++k) {
      uint64_t word = 0;
      const int64_t begin = k * per_word, end = std::min(n, begin + per_word);
      for (int64_t i = begin; i < end; ++i) {
        dst[size_t(i)] = uint8_t(src[size_t(i)] & mask);
        word |= uint64_t(dst[size_t(i)]) << ((i - begin) * m);
      }
      const int64_t g = layout_.first_word(l) + k;
      const uint16_t check = secded_ ? secded_->encode(word) : uint16_t(0);
      if (streamed) {
        image_[size_t(g)] = {word, check};
        continue;  // written when streamed in (counted by the controller / timing model)
      }
      const WordAddress a = layout_.word_address(g);
      banks_[size_t(a.bank)].write(a.row, word, check);
      ++stats_.word_writes;
    }
  }
}

void WeightMemory::throw_bad_word(int64_t g) const {
  throw std::out_of_range("WeightMemory: global word " + std::to_string(g) + " outside the network's 0.." +
                          std::to_string(image_.size() - 1));
}

uint64_t WeightMemory::read_word(WordAddress a) {
  if (layout_.streamed()) throw std::logic_error("WeightMemory::read_word(WordAddress): streamed layout");
  if (a.bank < 0 || a.bank >= params_.banks) throw_bad_bank(a.bank);
  return read_word(layout_.physical_word(a));
}

SramWord WeightMemory::clean_word(int64_t g) const {
  if (!image_.empty()) return image_word(g);
  const WordAddress a = layout_.word_address(g);
  return banks_[size_t(a.bank)].stored(a.row);
}

SramWord WeightMemory::sensed_word(int64_t g) const {
  const WordAddress a = layout_.word_address(g);
  const SramBank& b = banks_[size_t(a.bank)];
  return image_.empty() ? b.sense(a.row) : b.sense(a.row, image_word(g));
}

template <class F>
void WeightMemory::for_faulty_words(int64_t first, int64_t words, F&& f) const {
  if (!layout_.streamed()) {
    auto it = std::lower_bound(faulty_words_.begin(), faulty_words_.end(), first);
    for (; it != faulty_words_.end() && *it < first + words; ++it) f(*it);
    return;
  }
  // Ring placement: physical word p holds the global words p, p + C, p + 2C, ... (C its capacity).
  const int64_t cap = layout_.capacity_words();
  for (int64_t p : faulty_words_)
    for (int64_t g = first + ((p - first) % cap + cap) % cap; g < first + words; g += cap) f(g);
}

void WeightMemory::throw_bad_bank(int b) const {
  throw std::out_of_range("WeightMemory: bank " + std::to_string(b) + " outside 0.." +
                          std::to_string(banks_.size() - 1));
}

void WeightMemory::clear_faults() {
  for (auto& b : banks_) b.clear_faults();
  faulty_words_.clear();
}

void WeightMemory::set_faults(std::vector<std::pair<WordAddress, WordFaultMasks>> faults) {
  clear_faults();
  for (const auto& [a, m] : faults)
    if (a.bank < 0 || a.bank >= params_.banks || a.row < 0 || a.row >= params_.rows_per_bank)
      throw std::out_of_range("WeightMemory::set_faults: word (bank " + std::to_string(a.bank) + ", row " +
                              std::to_string(a.row) + ") outside the weight SRAM");
  std::sort(faults.begin(), faults.end(), [&](const auto& x, const auto& y) {
    return layout_.physical_word(x.first) < layout_.physical_word(y.first);
  });
  size_t i = 0;
  while (i < faults.size()) {
    const WordAddress a = faults[i].first;
    WordFaultMasks m = faults[i].second;
    for (++i; i < faults.size() && faults[i].first == a; ++i) {
      const WordFaultMasks& o = faults[i].second;
      m.and_mask &= o.and_mask;
      m.or_mask |= o.or_mask;
      m.xor_mask ^= o.xor_mask;
      m.check_and_mask &= o.check_and_mask;
      m.check_or_mask |= o.check_or_mask;
      m.check_xor_mask ^= o.check_xor_mask;
    }
    if (m.empty()) continue;
    banks_[size_t(a.bank)].set_fault(a.row, m);
    faulty_words_.push_back(layout_.physical_word(a));
  }
}

uint64_t WeightMemory::resolve(const SramWord& raw, const SramWord& clean) {
  if (!(raw == clean)) ++stats_.faulty_word_reads;
  if (!secded_) return raw.data;
  const SecdedDecode d = secded_->decode(raw.data, raw.check);
  if (d.status == EccStatus::Corrected) ++stats_.ecc_corrected;
  if (d.status == EccStatus::Detected) {
    ++stats_.ecc_detected;
    if (params_.zero_on_double_error()) {
      ++stats_.ecc_zeroed;
      return 0;
    }
  } else if (d.data != clean.data) {
    ++stats_.ecc_silent;
  }
  return d.data;
}

uint64_t WeightMemory::decode_quietly(const SramWord& raw) const {
  if (!secded_) return raw.data;
  const SecdedDecode d = secded_->decode(raw.data, raw.check);
  return d.status == EccStatus::Detected && params_.zero_on_double_error() ? 0 : d.data;
}

std::vector<std::pair<int64_t, WordFaultMasks>> WeightMemory::transient_masks(int64_t image, int layer) const {
  std::vector<std::pair<int64_t, WordFaultMasks>> out;
  if (!transient_ || layer < 0 || layer >= layout_.layer_count()) return out;
  const int cpw = transient_->cells_per_word();
  const int64_t first = layout_.first_word(layer);
  for (int64_t cell : transient_->flipped_cells(image, layer, layout_.words(layer) * cpw)) {
    const int64_t word = first + cell / cpw;
    if (out.empty() || out.back().first != word) out.push_back({word, WordFaultMasks{}});
    add_cell_fault(out.back().second, int(cell % cpw), transient_->data_bits(), CellFaultType::read_flip);
  }
  return out;
}

void WeightMemory::transient_changes(int64_t image, int layer, const std::vector<uint8_t>& persistent,
                                     std::vector<std::pair<int64_t, uint8_t>>& out) const {
  out.clear();
  const int m = layout_.weight_bits(layer);
  const int per_word = layout_.weights_per_word(layer);
  const uint64_t mask = (uint64_t(1) << m) - 1;
  const int64_t n = layout_.weight_count(layer), first = layout_.first_word(layer);
  if (!transient_ || n == 0) return;
  if (!secded_) {
    // Without ECC a read is the raw cells, and the transient XOR acts last: a flipped data cell
    // flips its weight bit whatever the persistent faults did, so no word needs to be sensed
    // (cells ascending, so the flips of one weight arrive together).
    const int cpw = transient_->cells_per_word();
    transient_->for_each_flipped_cell(image, layer, layout_.words(layer) * cpw, [&](int64_t cell) {
      const int bit = int(cell % cpw), slot = bit / m;
      const int64_t i = (cell / cpw) * per_word + slot;
      if (slot >= per_word || i >= n) return;  // the unused tail of a word
      const uint8_t flip = uint8_t(1u << (bit % m));
      if (!out.empty() && out.back().first == i)
        out.back().second ^= flip;
      else
        out.push_back({i, uint8_t(persistent[size_t(i)] ^ flip)});
    });
    return;
  }
  for (const auto& [g, t] : transient_masks(image, layer)) {
    SramWord raw = sensed_word(g);
    raw.data = t.apply(raw.data);
    raw.check = t.apply_check(raw.check);
    const uint64_t word = decode_quietly(raw);
    const int64_t begin = (g - first) * per_word, end = std::min(n, begin + per_word);
    for (int64_t i = begin; i < end; ++i) {
      const uint8_t v = uint8_t((word >> ((i - begin) * m)) & mask);
      if (v != persistent[size_t(i)]) out.push_back({i, v});
    }
  }
}

const WordFaultMasks* WeightMemory::context_transient(int64_t global_word) const {
  auto it = std::lower_bound(context_masks_.begin(), context_masks_.end(), global_word,
                             [](const auto& e, int64_t w) { return e.first < w; });
  return it == context_masks_.end() || it->first != global_word ? nullptr : &it->second;
}

uint64_t WeightMemory::read_faulty_word(int64_t g, SramWord raw, const WordFaultMasks* t) {
  const SramWord clean = clean_word(g);
  count_delivered(g, raw, clean, t);
  if (t) {  // the current context's flips act on top of the persistent faults
    raw.data = t->apply(raw.data);
    raw.check = t->apply_check(raw.check);
  }
  return resolve(raw, clean);
}

// Counted here, from the word the cells returned, rather than by comparing weights afterwards:
// the cycle model reports what its own reads delivered (an independent count of what the bulk
// read_layer pass and the functional paths compute).
void WeightMemory::count_delivered(int64_t g, const SramWord& raw, const SramWord& clean, const WordFaultMasks* t) {
  const int layer = layout_.layer_of_word(g);
  if (layer < 0) return;  // no weights in this word: nothing reaches a PE
  if (delivered_context_.empty()) delivered_context_.assign(size_t(layout_.words_used()), -1);
  int64_t& mark = delivered_context_[size_t(g)];
  if (mark == context_serial_) return;
  mark = context_serial_;
  DeliveredWeightErrors& d = stats_.delivered;
  uint64_t persistent = raw.data;
  if (secded_) {
    const SecdedDecode dec = secded_->decode(raw.data, raw.check);
    persistent = dec.data;
    if (dec.status == EccStatus::Corrected) ++d.ecc_corrected;
    if (dec.status == EccStatus::Detected) {
      ++d.ecc_detected;
      if (params_.zero_on_double_error()) persistent = 0;
    } else if (dec.data != clean.data) {
      ++d.ecc_silent;
    }
  }
  // Only the bits holding weights: the unused tail of a word and of a layer's last word is no weight.
  const int m = layout_.weight_bits(layer), per_word = layout_.weights_per_word(layer);
  const int64_t begin = (g - layout_.first_word(layer)) * per_word;
  const int slots = int(std::min<int64_t>(per_word, layout_.weight_count(layer) - begin));
  const uint64_t used = slots * m >= 64 ? ~uint64_t(0) : (uint64_t(1) << (slots * m)) - 1;
  const uint64_t pattern_mask = (uint64_t(1) << m) - 1;
  const uint64_t wrong = (persistent ^ clean.data) & used;
  for (int s = 0; s < slots && wrong; ++s) {
    const uint64_t p = (wrong >> (s * m)) & pattern_mask;
    if (!p) continue;
    ++d.weights_changed;
    for (int b = 0; b < m; ++b)
      if ((p >> b) & 1) {
        ++d.bit_errors;
        ++d.bit_errors_by_bit[size_t(b)];
      }
  }
  if (t) {
    SramWord flipped = raw;
    flipped.data = t->apply(raw.data);
    flipped.check = t->apply_check(raw.check);
    d.transient_bit_errors += std::popcount((decode_quietly(flipped) ^ persistent) & used);
  }
}

std::vector<uint8_t> WeightMemory::read_layer(int layer) {
  std::vector<uint8_t> out;
  read_layer(layer, out);
  return out;
}

void WeightMemory::read_layer(int layer, std::vector<uint8_t>& out) {
  const std::vector<uint8_t>& clean = clean_.at(size_t(layer));
  out.assign(clean.begin(), clean.end());  // every fault-free word reads (and decodes) as written
  const int64_t first = layout_.first_word(layer), words = layout_.words(layer);
  if (words == 0) return;

  // Read counts: words first..first+words-1, interleaved over the banks.
  const int banks = params_.banks;
  stats_.word_reads += words;
  for (int k = 0; k < banks; ++k) {
    const int b = int((first + k) % banks);
    const int64_t n = words / banks + (k < words % banks ? 1 : 0);
    stats_.reads_per_bank[size_t(b)] += n;
    banks_[size_t(b)].count_reads(n);
  }

  const int m = layout_.weight_bits(layer);
  const int per_word = layout_.weights_per_word(layer);
  const uint64_t mask = (uint64_t(1) << m) - 1;
  const int64_t n = int64_t(clean.size());
  const bool transients = transient_ && read_layer_ == layer;  // flips of this read context
  for_faulty_words(first, words, [&](int64_t g) {
    if (transients && has_transient(g)) return;  // read once, below, with its flips
    const uint64_t word = resolve(sensed_word(g), clean_word(g));
    const int64_t begin = (g - first) * per_word, end = std::min(n, begin + per_word);
    for (int64_t i = begin; i < end; ++i) out[size_t(i)] = uint8_t((word >> ((i - begin) * m)) & mask);
  });
  if (!transients) return;
  for (const auto& [g, t] : context_masks_) {
    SramWord raw = sensed_word(g);
    raw.data = t.apply(raw.data);
    raw.check = t.apply_check(raw.check);
    const uint64_t word = resolve(raw, clean_word(g));
    const int64_t begin = (g - first) * per_word, end = std::min(n, begin + per_word);
    for (int64_t i = begin; i < end; ++i) out[size_t(i)] = uint8_t((word >> ((i - begin) * m)) & mask);
  }
}

}  // namespace lvsim
