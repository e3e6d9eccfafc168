// `lvsim explore`: architecture exploration over a grid of design points (any architecture
// parameter, V_sram, V_logic) x workloads (lvsim networks and SCALE-Sim topologies), timed and
// costed by the closed form (docs/timing-model.md, docs/energy-model.md); impossible points are
// listed as infeasible with the reason; the energy-latency Pareto front is marked per workload.
// File format, outputs and limits: docs/studies.md ("Exploration").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/study/explore_accuracy.h"
#include "sim/study/study_comm.h"
#include "sim/study/study_spec.h"

namespace lvsim {

/// One axis: "v_sram_v", "v_logic_v", or a dotted path into the architecture file
/// ("array.rows", "weight_sram.banks", "clock_hz", ...), with the values it takes.
struct ExploreAxis {
  std::string name;
  std::vector<nlohmann::json> values;
};

struct ExploreWorkload {
  std::string name;
  std::string path;
  bool topology = false;  // SCALE-Sim topology CSV (else an lvsim network file)
};

/// Grids beyond this many points need --force (each point costs about a millisecond per workload).
inline constexpr int64_t kExploreMaxPoints = 100000;
/// Hard limits, --force or not (docs/reliability.md, "Resource limits"): every row (point x
/// workload) and every loaded workload is held in memory until the outputs are written, so an
/// exploration declaring more is refused before anything is allocated.
inline constexpr int64_t kExploreMaxRows = 150000;
inline constexpr int64_t kExploreMaxWorkloads = 64;

struct ExploreSpec {
  std::string arch_path;  // base architecture (empty: built-in)
  std::string tech_path;  // (empty: built-in)
  std::vector<ExploreWorkload> workloads;
  std::vector<ExploreAxis> axes;       // the grid: their product, the last axis varying fastest
  std::vector<nlohmann::json> points;  // or an explicit list of points: {axis name: value}
  bool force = false;                  // allow more than kExploreMaxPoints points
  // Accuracy over simulated chips for the network workloads (the "accuracy" block): one sweep
  // study per distinct architecture over its points' V_sram values.
  std::optional<ExploreAccuracySpec> accuracy;

  /// The design points, each {axis name: value} in axis order.
  std::vector<nlohmann::json> design_points() const;
  /// ConfigError naming `origin` and the field on empty axes, empty or malformed axis names, unknown
  /// axis names (checked against the base architecture), duplicate names or values, or a grid above
  /// the limits (kExploreMaxPoints without force, kExploreMaxRows, kExploreMaxWorkloads).
  void validate(const std::string& origin) const;
};

/// Reads an exploration file (format "lvsim-exploration", version 1; relative paths from its folder).
ExploreSpec read_exploration_file(const std::string& path);
/// The same from the file's text (the Python API's exploration dict); `path` names it in errors
/// and relative paths are taken from its folder (none: the working directory).
ExploreSpec exploration_from_text(const std::string& text, const std::string& path);

struct ExploreOutcome {
  int64_t points = 0, feasible = 0, rows = 0;
  double wall_time_s = 0;
  std::string points_json;  // the text written to points.json
};

/// Evaluates every point and writes points.{csv,json}, layers.csv and report.html into exec.out_dir
/// (atomically, at the end; the accuracy studies, when asked for, into exec.out_dir/accuracy/).
/// Same bytes for any thread count and number of MPI ranks; only rank 0 writes.
ExploreOutcome run_explore(const ExploreSpec& spec, const StudyExecution& exec, StudyComm& comm);
/// The same in one process (or as the MPI launcher says: make_study_comm()).
ExploreOutcome run_explore(const ExploreSpec& spec, const StudyExecution& exec);

}  // namespace lvsim
