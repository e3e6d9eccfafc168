// The HTML report of an architecture exploration (`lvsim explore`): one self-contained page built
// from the points document the exploration writes as points.json.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace lvsim {

/// The exploration's report: one self-contained HTML page (Chart.js inlined, no network access
/// needed). `points_doc` is an "lvsim-exploration-points" document. Per workload: a Pareto scatter
/// of energy per inference vs latency and the energy breakdown of the Pareto points; then a
/// sortable table of every row (infeasible rows greyed, with their reason). The rows are embedded
/// once as JSON and the charts are built from them in the page. Deterministic: the same input gives
/// the same bytes. Throws FormatError when `points_doc` is not an exploration points document.
std::string explore_report_html(const nlohmann::json& points_doc);

}  // namespace lvsim
