// The columns of an exploration's points (points.json, points.csv and report.html): listed once
// here, used by the row builder (sim/study/explore.cpp), the HTML report (sim/report/explore_report_html.cpp)
// and the report test's sample (tests/tools/write_sample_explore_report.cpp). Adding a column: add
// it here and fill it in sim/study/explore.cpp's point_row. docs/lvsim-exploration.schema.json.
#pragma once

namespace lvsim {

/// The design point as built (null when the point itself is infeasible); they follow point,
/// workload, the axis values, feasible and reason.
inline constexpr const char* kExploreDesignColumns[] = {
    "array_rows", "array_cols", "dataflow", "weight_sram_bytes", "clock_hz_used", "v_sram_v_used", "v_logic_v_used"};

/// Per-inference metrics of a feasible (point, workload), null otherwise; then come
/// energy_breakdown_pj and pareto_energy_latency.
inline constexpr const char* kExploreMetricColumns[] = {"cycles_per_inference",
                                                        "stall_cycles_per_inference",
                                                        "latency_s",
                                                        "throughput_inferences_per_s",
                                                        "utilization",
                                                        "macs_per_inference",
                                                        "weight_bytes",
                                                        "dram_bytes_per_inference",
                                                        "energy_per_inference_pj",
                                                        "edp_pj_s"};

}  // namespace lvsim
