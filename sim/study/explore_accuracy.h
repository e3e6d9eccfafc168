// Accuracy over simulated chips for the network workloads of an exploration (docs/studies.md,
// "Accuracy in an exploration"): the points that share an architecture form one `lvsim sweep`
// study over their weight-SRAM voltages, run by the sweep engine itself into a folder of the
// exploration's output (journal, resume, MPI and determinism as the sweep's), and each
// (architecture, network, V_sram) gets that study's summary row.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "sim/report/run_report.h"
#include "sim/study/study_comm.h"
#include "sim/study/study_spec.h"

namespace lvsim {

/// The exploration file's "accuracy" block.
struct ExploreAccuracySpec {
  std::string data_dir;
  int64_t images = -1;                 // test images (-1: all)
  std::vector<uint64_t> chip_seeds;    // the simulated chips (the same chips at every point)
  std::vector<double> max_drop{0.01};  // thresholds reported by each architecture's study
  RunMode mode = RunMode::Fast;
  bool norm_params_in_sram = true;  // "norm_params": "sram" | "register" (StudySpec::norm_params_in_sram)

  /// Reads the block ("data", "images", "chips": N | "A..B" | [seeds], "max_drop", "mode", "norm_params");
  /// relative paths from the exploration file's folder. ConfigError naming `origin` and the field.
  static ExploreAccuracySpec from_json(const nlohmann::json& j, const std::string& origin);
};

/// What one architecture's study has to run: its architecture (JSON), the network workloads
/// that fit it (name, file) and the weight-SRAM voltages of its feasible points.
struct AccuracyStudyRequest {
  nlohmann::json arch;
  std::vector<StudyNetwork> networks;
  std::vector<double> v_sram_v;
};

/// Summary rows by (request index, network name, V_sram): the sweep summary's per-point object
/// (accuracy_mean, accuracy_min, accuracy_max, accuracy_ci95_low/high, accuracy_clean, chips, ...).
using AccuracyResults = std::map<std::tuple<size_t, std::string, double>, nlohmann::json>;

/// Runs one sweep study per request into `out_dir`/accuracy/arch-NNNN (rank 0 returns the
/// results; every rank takes part). ConfigError / FormatError for bad input before any work.
AccuracyResults run_explore_accuracy(const ExploreAccuracySpec& acc, const std::vector<AccuracyStudyRequest>& requests,
                                     const std::string& tech_path, const std::string& out_dir, int threads,
                                     StudyComm& comm);

}  // namespace lvsim
