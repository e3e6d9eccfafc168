// A study's results from its finished points: points.{json,csv} (one row per network x value x
// chip), summary.{json,csv} (one row per network x value, with statistics over chips, energy and
// the per-network lowest safe voltage). Columns and units: docs/studies.md.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sim/study/study_context.h"
#include "sim/study/study_journal.h"

namespace lvsim {

struct StudyOutputs {
  std::string points_json, summary_json;  // the files' text (members in the documented order)
  nlohmann::json points;                  // format lvsim-study-points, parsed back
  nlohmann::json summary;                 // format lvsim-study-summary, parsed back
  std::string points_csv, summary_csv;
  std::string thresholds_csv;  // lowest safe value per network, criterion, threshold and statistic
};

/// The chips each (network, value) reports: all of them, or with an adaptive chip count the
/// shortest prefix whose confidence interval is narrow enough. `records` may come in any order and
/// hold more chips than reported; std::logic_error if a needed point is missing.
StudyOutputs build_study_outputs(const StudyContext& ctx, const std::vector<PointRecord>& records);

/// The summary as a short terminal table (what `lvsim sweep` prints on stdout): per network and
/// swept value the chips, accuracy mean with its 95 % CI and worst chip, measured BER, energy per
/// inference and both savings; then the lowest safe value per threshold.
std::string study_summary_text(const nlohmann::json& summary);

/// One CSV cell: empty for null, numbers as the shortest text that reads back to the same double,
/// strings (and objects or arrays as their JSON text) quoted when they hold a comma, quote or line
/// break (the study and exploration tables).
std::string csv_cell(const nlohmann::ordered_json& v);

/// CSV with the rows' keys as columns, in the first row's order (objects flattened: an
/// energy_breakdown_pj member x becomes column energy_breakdown_x_pj); cells as csv_cell writes them.
std::string rows_to_csv(const std::vector<nlohmann::ordered_json>& rows);

/// How many chips a (network, value) reports, given the accuracies of its first chips in chip
/// order: all chips, or with an adaptive chip count the shortest prefix whose 95% confidence
/// interval is at most ci_width wide; -1 while more chips are needed to decide.
int settled_chip_count(const StudySpec& spec, const std::vector<double>& prefix_accuracy);

}  // namespace lvsim
