// `lvsim sweep`: a voltage / bit-error-rate study over networks and simulated chips (docs/studies.md).
// Loads everything once, runs each (network, chip) chain of points, journals every finished point
// durably, and writes points / summary / report.html to the output directory — the same bytes for
// any thread count, any number of MPI ranks, and after any number of kills and resumes.
#pragma once

#include <cstdint>
#include <string>

#include "sim/study/study_comm.h"
#include "sim/study/study_spec.h"

namespace lvsim {

/// What a finished sweep did (for the closing line on stderr and the benchmarks; not an output).
struct SweepOutcome {
  int64_t points = 0;           // points reported
  int64_t from_journal = 0;     // finished before this run
  int64_t computed = 0;         // test set run by this process (all ranks on rank 0)
  int64_t reused_clean = 0;     // weights as stored
  int64_t reused_previous = 0;  // weights as at the chain's previous point
  int64_t resumed = 0;          // of the computed: run from a later layer on (partial re-runs)
  int64_t macs_skipped = 0;     // MACs x images of the layers the resumed points did not run
  int64_t macs_run = 0;         // MACs x images of the layers the computed points ran
  double wall_time_s = 0;
  std::string out_dir;
  std::string summary_text;               // rank 0: the summary as a terminal table (study_summary_text)
  std::string points_json, summary_json;  // rank 0: the texts written to points.json, summary.json
};

/// Runs the study. UserError subclasses for bad input, raised on every rank before any work and
/// before anything is written. Only rank 0 writes; every rank returns.
SweepOutcome run_sweep(const StudySpec& spec, const StudyExecution& exec, StudyComm& comm);

}  // namespace lvsim
