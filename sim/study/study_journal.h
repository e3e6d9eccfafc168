// The study journal (`--out DIR/journal.jsonl`): one durable, checksummed line per finished
// point, so a study killed at any moment resumes where it stopped and ends with the same outputs.
// Line 1 identifies the study (its fingerprint); a journal of another study is refused.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "memory/weight_error_counts.h"

namespace lvsim {

/// One finished point (network x swept value x chip): integers only, so the outputs computed
/// from a record read back from the journal are byte-identical to those of a live run. Its
/// WeightErrorCounts: persistent faults per read of every weight word, transients over all images.
struct PointRecord : WeightErrorCounts {
  int network = 0;  // index into the study's networks
  int value = 0;    // index into the study's swept values
  int chip = 0;     // index into the study's chip seeds
  int64_t images = 0;
  int64_t correct = 0;        // images classified correctly with the faults
  int64_t robust_wrong = 0;   // images misclassified clean or with the faults (Stutz et al.'s RErr)
  int64_t bits_stored = 0;    // weight bits held by the SRAM
  int64_t failing_cells = 0;  // failing bit-cells of the whole weight SRAM (data + check)
  int64_t faulty_words = 0;
  bool weights_as_previous_value = false;  // weights as read equal those at the previous swept value
  // MACs whose activation was zero (zero-operand gating), summed over the images, by weight bits
  std::array<int64_t, 9> zero_operand_macs_by_weight_bits{};

  nlohmann::json to_json() const;
  /// FormatError naming `origin` on a missing or mistyped member.
  static PointRecord from_json(const nlohmann::json& j, const std::string& origin);
  bool operator==(const PointRecord&) const = default;
};

/// A journal is read whole when a study resumes; larger files are refused (docs/reliability.md,
/// "Resource limits"). A line takes about 400 bytes, so a study of kStudyMaxPoints points stays
/// well below it.
inline constexpr int64_t kMaxJournalBytes = int64_t(1) << 30;

/// What a journal line of one study can hold: the study's dimensions and each network's sizes.
/// A line outside them was not written by this study (edited, or another study's line).
struct JournalBounds {
  struct Network {
    int64_t bits_stored = 0;  // weight bits the SRAM holds
    int64_t weights = 0;
    std::array<int64_t, 9> macs_by_weight_bits{};  // per image
  };
  std::vector<Network> networks;
  int64_t values = 0, chips = 0;
  int64_t images = 0;  // per point: the study's test images
  int64_t cells = 0;   // bit-cells of the weight SRAM (data + check)
};

/// FormatError naming `origin` and the field unless `r` is a point this study could have written:
/// indices in range, the study's image count, counts within [0, what the network and SRAM hold],
/// and consistent with each other (bit errors <= bits stored, robust errors >= errors).
void check_point_record(const PointRecord& r, const JournalBounds& b, const std::string& origin);

/// Append-only journal of a study's finished points.
class StudyJournal {
 public:
  /// Opens `path` for the study identified by `fingerprint` (creating it with a header line that
  /// also holds `study`, for people reading it). The journal is an input like any other: anything
  /// but a regular file (a FIFO, device, directory or link) or a file above kMaxJournalBytes is a
  /// ConfigError. An existing journal of another study is a ConfigError; a torn last line (killed
  /// mid-write) is dropped; a corrupt line elsewhere, a line outside `bounds` or two different
  /// results for one point are FormatErrors naming the line.
  StudyJournal(std::string path, const std::string& fingerprint, const nlohmann::json& study,
               const JournalBounds& bounds);
  ~StudyJournal();
  StudyJournal(const StudyJournal&) = delete;
  StudyJournal& operator=(const StudyJournal&) = delete;

  /// The points the journal held when opened.
  const std::vector<PointRecord>& finished() const { return finished_; }
  /// Appends one point durably (write + fsync) before returning.
  void append(const PointRecord& r);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<PointRecord> finished_;
};

/// "crc32-hex json\n": the line framing of the journal (the CRC covers the JSON text).
std::string frame_journal_line(const std::string& json_text);

}  // namespace lvsim
