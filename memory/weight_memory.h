// The whole weight SRAM of one accelerator: all banks, the network's weight layout, optional
// SECDED, and the persistent faults of the chip at the current voltage. Every weight that reaches
// a PE (cycle-level controller or fast path) is read through here, so faults act in one place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "memory/secded.h"
#include "memory/sram_bank.h"
#include "memory/transient_read_errors.h"
#include "memory/weight_error_counts.h"
#include "memory/weight_layout.h"
#include "memory/weight_sram_params.h"
#include "memory/word_faults.h"
#include "workloads/network/network.h"

namespace lvsim {

/// What word reads delivered to the array, relative to the stored weights: every word counted once
/// per read context (image, layer) however often it is read in it, and only over the bits that hold
/// weights. The persistent part (the faults without this context's transient flips) is the same in
/// every context; the transient part is what the context's flips changed on top of it.
struct DeliveredWeightErrors : WeightErrorCounts {
  std::array<int64_t, 8> bit_errors_by_bit{};  // bit_errors by bit position in the weight pattern (LSB first)
  bool operator==(const DeliveredWeightErrors&) const = default;
  /// The counts accumulated between two snapshots (this minus `before`).
  DeliveredWeightErrors since(const DeliveredWeightErrors& before) const;
  /// Equal apart from transient_bit_errors.
  bool same_persistent(const DeliveredWeightErrors& o) const;
};

/// Word-level counters of the weight SRAM (plain counters; energy is computed from them elsewhere).
struct WeightReadStats {
  int64_t word_reads = 0;         // words read (read_word calls + words of read_layer calls)
  int64_t word_writes = 0;        // words written (the initial weight load)
  int64_t ecc_corrected = 0;      // reads SECDED corrected (a data or a check bit)
  int64_t ecc_detected = 0;       // reads with a detected uncorrectable (double) error
  int64_t ecc_silent = 0;         // (SECDED) reads whose decoded data differ from the stored data without
                                  // detection (miscorrection or undetected); known only because the
                                  // simulator keeps the clean value
  int64_t ecc_zeroed = 0;         // detected words replaced by zero (on_double_error = zero_word)
  int64_t faulty_word_reads = 0;  // reads whose cells returned a value differing from the stored one
  std::vector<int64_t> reads_per_bank;
  DeliveredWeightErrors delivered;  // counted by read_word only (the word path of the cycle model)
  void reset() {
    std::vector<int64_t> b(reads_per_bank.size(), 0);
    *this = WeightReadStats{};
    reads_per_bank = std::move(b);
  }
};

/// All weight SRAM banks loaded with one network's weight patterns; reads apply faults and ECC.
/// Not thread-safe (reads update counters): use one instance per thread, or read layers up front.
class WeightMemory {
 public:
  /// Lays out the network (ConfigError if it does not fit) and writes every weight word (clean,
  /// ECC-encoded when enabled); counts the writes.
  WeightMemory(const WeightSramParams& params, const Network& net);

  const WeightLayout& layout() const { return layout_; }
  const WeightSramParams& params() const { return params_; }

  /// Persistent faults: masks per word (from a fault map / chip model at a voltage). Replaces all
  /// previous faults. Several entries for one word are merged (they must touch disjoint cells);
  /// empty masks are dropped. std::out_of_range for an address outside the SRAM.
  void set_faults(std::vector<std::pair<WordAddress, WordFaultMasks>> faults);
  void clear_faults();
  /// Physical word numbers (layout().physical_word) with faults, ascending (resident weights: the
  /// global word numbers).
  const std::vector<int64_t>& faulty_words() const { return faulty_words_; }

  /// Global word `g` (layout().global_word) as the array sees it: the faults of its physical word
  /// applied, then ECC decoded if enabled (a detected double error gives the word as read, or 0
  /// with on_double_error = zero_word). Counts one read. Also counts what it delivered
  /// (stats().delivered, once per word and read context).
  uint64_t read_word(int64_t g) {
    const WordAddress a = layout_.word_address(g);
    SramBank& b = bank(a.bank);
    const SramWord raw = image_.empty() ? b.read(a.row) : b.read(a.row, image_word(g));
    ++stats_.word_reads;
    ++stats_.reads_per_bank[size_t(a.bank)];
    const WordFaultMasks* t = transient_ ? context_transient(g) : nullptr;
    if (!t && !b.fault(a.row)) return raw.data;  // a clean word is a valid codeword: decodes to itself
    return read_faulty_word(g, raw, t);
  }
  /// read_word of the word at a physical address (resident weights only, where each address holds
  /// one global word; std::logic_error for a streamed layout).
  uint64_t read_word(WordAddress a);

  /// Transient read errors (fresh per image and layer, on top of the persistent faults); the
  /// generator must outlive this memory; nullptr turns them off.
  void set_transient(const TransientReadErrors* transient) {
    transient_ = transient && transient->enabled() ? transient : nullptr;
    context_masks_.clear();
    if (transient_) context_masks_ = transient_masks(read_image_, read_layer_);
  }
  /// Whether reads see transient errors (set_transient with an enabled generator).
  bool has_transient_errors() const { return transient_ != nullptr; }
  /// Which image and layer the following reads belong to (keys the transient errors). Words of
  /// other layers read in this context see no transient flips.
  void set_read_context(int64_t image, int layer) {
    const bool changed = image != read_image_ || layer != read_layer_;
    read_image_ = image;
    read_layer_ = layer;
    if (changed) ++context_serial_;
    if (transient_ && changed) context_masks_ = transient_masks(image, layer);
  }
  /// The transient flips of image `image` reading layer `layer`: (global word, XOR masks), ascending
  /// by word, only words with a flip. Empty without transients. Thread-safe.
  std::vector<std::pair<int64_t, WordFaultMasks>> transient_masks(int64_t image, int layer) const;
  /// The weights of `layer` whose patterns image `image`'s transient flips change, relative to
  /// `persistent` (the layer as read without transients): (weight index, pattern as read),
  /// ascending. Counts nothing, so several threads may call it at once.
  void transient_changes(int64_t image, int layer, const std::vector<uint8_t>& persistent,
                         std::vector<std::pair<int64_t, uint8_t>>& out) const;
  /// Every weight pattern of a layer as read (each word of the layer read once, in word order):
  /// what the fast path uses; identical to read_word + extract. Layers without weights: empty.
  std::vector<uint8_t> read_layer(int layer);
  /// As read_layer, into `out` (reuses its storage).
  void read_layer(int layer, std::vector<uint8_t>& out);
  /// Unpacks weight `index` of `layer` from a word that read_word returned.
  uint8_t extract(int layer, int64_t index, uint64_t word) const {
    return uint8_t((word >> layout_.locate(layer, index).bit) & ((uint64_t(1) << layout_.weight_bits(layer)) - 1));
  }

  SramBank& bank(int b) {
    if (b < 0 || b >= int(banks_.size())) throw_bad_bank(b);
    return banks_[size_t(b)];
  }
  const SramBank& bank(int b) const { return banks_.at(size_t(b)); }
  /// The SECDED code in use, or nullptr without ECC.
  const Secded* secded() const { return secded_.get(); }

  WeightReadStats& stats() { return stats_; }
  const WeightReadStats& stats() const { return stats_; }
  /// Zeroes the counters and starts a fresh read context for stats().delivered (words already
  /// counted in the current context count again).
  void reset_stats() {
    stats_.reset();
    ++context_serial_;
  }

 private:
  /// Faulty-word read path: counts error events, decodes, applies on_double_error.
  uint64_t resolve(const SramWord& raw, const SramWord& clean);
  /// read_word of global word g with persistent faults or transient flips `t` (may be
  /// nullptr); `raw` as the cells returned it without the flips.
  uint64_t read_faulty_word(int64_t g, SramWord raw, const WordFaultMasks* t);
  /// Streamed layout: global word g as written (clean, check bits included).
  const SramWord& image_word(int64_t g) const {
    if (g < 0 || g >= int64_t(image_.size())) throw_bad_word(g);
    return image_[size_t(g)];
  }
  /// Global word g as written (clean) and as its physical word's cells return it (persistent faults).
  SramWord clean_word(int64_t g) const;
  SramWord sensed_word(int64_t g) const;
  /// Calls f(g) for every global word of [first, first + words) whose physical word has persistent
  /// faults (ascending for resident weights).
  template <class F>
  void for_faulty_words(int64_t first, int64_t words, F&& f) const;
  [[noreturn]] void throw_bad_word(int64_t g) const;
  /// Adds the word's delivered errors to stats_.delivered unless counted in this read context.
  void count_delivered(int64_t global_word, const SramWord& raw, const SramWord& clean, const WordFaultMasks* t);
  /// The data the array receives for a raw read (ECC decode, on_double_error), counting nothing.
  uint64_t decode_quietly(const SramWord& raw) const;
  /// The current read context's transient masks of a word, or nullptr.
  const WordFaultMasks* context_transient(int64_t global_word) const;
  bool has_transient(int64_t global_word) const { return context_transient(global_word) != nullptr; }
  [[noreturn]] void throw_bad_bank(int b) const;

  WeightSramParams params_;
  WeightLayout layout_;
  std::unique_ptr<Secded> secded_;
  std::vector<SramBank> banks_;
  std::vector<std::vector<uint8_t>> clean_;  // per layer: the patterns as written (fault-free read result)
  // Streamed layout: every global word as written (the banks' rows hold one after another; only
  // their faults are kept in the banks). Empty for resident weights (the banks store them).
  std::vector<SramWord> image_;
  std::vector<int64_t> faulty_words_;
  WeightReadStats stats_;
  const TransientReadErrors* transient_ = nullptr;
  int64_t read_image_ = 0;
  int read_layer_ = 0;
  std::vector<std::pair<int64_t, WordFaultMasks>> context_masks_;  // transient_masks(read_image_, read_layer_)
  // Changes with every read context (and reset_stats); delivered_context_ holds, per used word, the
  // context it was last counted in (stats().delivered counts a word once per context).
  int64_t context_serial_ = 0;
  std::vector<int64_t> delivered_context_;
};

}  // namespace lvsim
