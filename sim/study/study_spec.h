// The study `lvsim sweep` runs: networks x swept values (weight-SRAM voltages or bit error rates)
// x simulated chips, read once from a study file (docs/studies.md, docs/lvsim-study.schema.json)
// and/or command-line overrides into one typed, validated struct.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json_reader.h"
#include "sim/report/run_report.h"
#include "workloads/import/calibration.h"

namespace lvsim {

/// What the study sweeps: the weight-SRAM supply voltage (the technology's bit-cell failure model
/// decides which cells fail) or a uniform rate of faulty cells (no voltage model).
enum class StudyAxis { VSram, Ber };
const char* study_axis_name(StudyAxis a);  // "v_sram_v" | "ber"

/// Networks of one study, at most (docs/reliability.md, "Resource limits"): every network is
/// loaded, calibrated and run clean before the first point, and stays in memory for the study.
inline constexpr int64_t kStudyMaxNetworks = 64;
/// Points (networks x values x chips) of one study, at most: its journal, read whole on resume,
/// then stays far below kMaxJournalBytes (sim/study/study_journal.h).
inline constexpr int64_t kStudyMaxPoints = 1000000;

struct StudyNetwork {
  std::string name;  // unique within the study (default: the network file's own name)
  std::string path;  // as resolved (study-file-relative paths are joined with its directory)
  int weight_bits =
      0;  // 2..8: re-quantize the weights to this width (workloads/network/weight_requantization.h); 0: as in the file
};

/// One study, fully resolved. Everything that changes a result is here and in the fingerprint;
/// how it is executed (threads, output directory, progress) is in StudyExecution.
struct StudySpec {
  std::vector<StudyNetwork> networks;
  std::string data_dir;
  int64_t images = -1;              // test images (-1: all)
  std::string arch_path;            // empty: built-in preset
  nlohmann::json arch_json;         // not null: this architecture (an exploration's point) instead of arch_path
  std::string tech_path;            // empty: built-in preset
  std::optional<double> v_logic_v;  // default: the technology's nominal
  std::optional<double> v_sram_v;   // ber axis only: the voltage energy is costed at (default nominal)
  StudyAxis axis = StudyAxis::VSram;
  std::vector<double> values;          // voltages (V, descending) or rates (ascending), no duplicates
  std::vector<uint64_t> chip_seeds;    // distinct; chip i of the study is chip_seeds[i]
  std::string fault_model = "chip";    // "chip" (voltage axis) | "bit_flip" | "stuck_at" (ber axis)
  double stuck_at_1_fraction = 0.5;    // stuck_at: share of stuck cells stuck at 1
  double transient_ber = 0;            // transient read errors per bit, fresh per (image, layer)
  std::vector<double> max_drop{0.01};  // accuracy-drop thresholds, fractions in [0, 1]
  // robust-error thresholds: largest accepted increase of RErr over the clean test error, in [0, 1]
  std::vector<double> max_rerr_increase{0.01};
  std::optional<double> ci_width;  // adaptive chip count: stop once the 95% CI is this narrow
  int min_chips = 5;               // adaptive: never fewer chips than this
  RunMode mode = RunMode::Fast;
  int64_t calib_images = 512;
  CalibrationMethod calib_method = CalibrationMethod::MinMax;
  // Where GroupNorm's alpha' and beta live: the weight SRAM (they see its faults; "sram") or a
  // protected register file ("register"); Network::norm_params_in_sram.
  bool norm_params_in_sram = true;

  /// ConfigError (located at `origin`) on anything out of range or inconsistent.
  void validate(const std::string& origin) const;
  /// The canonical description (sorted keys, every field): what the journal fingerprint covers
  /// together with the contents of the input files.
  nlohmann::json to_json() const;
};

/// How a study is executed; never changes a result.
struct StudyExecution {
  int threads = 0;  // 0: all hardware threads
  std::string out_dir;
  bool quiet = false;
  bool reuse = true;  // reuse results of points whose weights as read are unchanged (exact)
  // Fast mode, with reuse: run a changed point only from its first changed layer, from the
  // activations an earlier point left there (exact); one set of them may take at most this much.
  bool layer_reuse = true;
  int64_t layer_reuse_budget_bytes = int64_t(256) << 20;
  // Called on the calling thread after every finished point (the Python API's progress callback);
  // may throw to stop the study, which then resumes from its journal.
  std::function<void(int64_t done, int64_t total)> on_progress;
};

/// Reads a study file (format "lvsim-study", version 1); unknown keys, wrong types and bad ranges
/// are ConfigErrors naming the file and the field. Relative paths are taken from the file's folder.
StudySpec read_study_file(const std::string& path);
/// The same from the file's text (the Python API's study dict); `path` names it in errors and
/// relative paths are taken from its folder (none: the working directory).
StudySpec study_from_text(const std::string& text, const std::string& path);

/// Puts the values in study order: voltages descending (fault sets grow), rates ascending.
void sort_study_values(StudySpec& s);

/// Parses the command-line forms of the swept values: "A:B:STEP" (inclusive, STEP's sign must
/// lead from A to B) or "x,y,z". `field` names the option in errors.
std::vector<double> parse_value_list(const std::string& text, const std::string& field);
/// A study file's chips object at `key` of `o`: {"count": N, "first_seed": S} (seeds S..S+N-1,
/// S = 1 by default) or {"seeds": [...]}.
std::vector<uint64_t> read_chip_seeds(JsonObject& o, const std::string& key);

/// "N" (seeds 1..N), "FIRST..LAST" or "a,b,c".
std::vector<uint64_t> parse_chip_list(const std::string& text, const std::string& field);

}  // namespace lvsim
