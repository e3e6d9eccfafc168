// The HTML report of a study (report.html): one self-contained page, built from the same summary
// and points documents the study engine writes as summary.json and points.json.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace lvsim {

/// The study's report: one self-contained HTML page (Chart.js inlined, no network access needed).
/// `summary` is an "lvsim-study-summary" document, `points` an "lvsim-study-points" document (its
/// point list may be empty: the individual chips are then not drawn). Missing optional members
/// are shown as "–"; unknown members are ignored. Deterministic: the same input gives the same
/// bytes. Throws FormatError when `summary` is not a study summary.
std::string study_report_html(const nlohmann::json& summary, const nlohmann::json& points);

}  // namespace lvsim
