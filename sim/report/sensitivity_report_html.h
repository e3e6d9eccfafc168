// The HTML report of `lvsim sensitivity --report`: one self-contained page (Chart.js inlined) with
// the accuracy drop and RErr increase per layer and per bit position as bar charts, and the table.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace lvsim {

/// The page for a map's JSON document (sensitivity_json). Like the study report, it writes "ok N
/// charts" or the first JavaScript error into #lvsim-status (tests/cli/report_render.sh reads it).
std::string sensitivity_report_html(const nlohmann::ordered_json& doc);

}  // namespace lvsim
