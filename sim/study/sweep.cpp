#include "sim/study/sweep.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "common/errors.h"
#include "common/output_file.h"
#include "common/parallel.h"
#include "sim/report/study_output_set.h"
#include "sim/report/study_outputs.h"
#include "sim/report/study_report_html.h"
#include "sim/study/study_chain.h"
#include "sim/study/study_context.h"
#include "sim/study/study_journal.h"
#include "sim/study/study_progress.h"

namespace lvsim {

namespace {

using Key = std::tuple<int, int, int>;  // network, value, chip

Key key_of(const PointRecord& r) {
  return {r.network, r.value, r.chip};
}

/// One (network, chip) chain of a round and the values it must produce.
struct ChainTask {
  int network = 0, chip = 0;
  std::vector<int> values;
};

/// Every finished point, keyed; the same on every rank.
class RecordSet {
 public:
  /// Adds a record; a second, different record for the same point means a damaged journal.
  bool add(const PointRecord& r, const std::string& origin) {
    const auto [it, inserted] = map_.emplace(key_of(r), r);
    if (!inserted && !(it->second == r))
      throw FormatError(located(origin, "", "two different results for one point; delete the journal"));
    return inserted;
  }
  const PointRecord* find(int n, int v, int c) const {
    const auto it = map_.find({n, v, c});
    return it == map_.end() ? nullptr : &it->second;
  }
  std::vector<PointRecord> all() const {
    std::vector<PointRecord> out;
    for (const auto& [k, r] : map_) out.push_back(r);
    return out;
  }
  size_t size() const { return map_.size(); }

 private:
  std::map<Key, PointRecord> map_;
};

/// The chips already known for (n, v) as a prefix in chip order, and whether it is settled.
int known_prefix(const StudySpec& s, const RecordSet& rs, int n, int v, bool& settled) {
  std::vector<double> acc;
  for (size_t c = 0; c < s.chip_seeds.size(); ++c) {
    const PointRecord* r = rs.find(n, v, int(c));
    if (!r) break;
    acc.push_back(double(r->correct) / double(r->images));
  }
  settled = settled_chip_count(s, acc) >= 0;
  return int(acc.size());
}

/// The next round's chains: every unsettled (network, value) gets the chips of a window that
/// starts at the smallest known prefix. Without an adaptive chip count the window is all chips,
/// so there is one round. Identical on every rank (a function of the records only).
std::vector<ChainTask> plan_round(const StudySpec& s, const RecordSet& rs, int ranks) {
  const int networks = int(s.networks.size()), values = int(s.values.size()), chips = int(s.chip_seeds.size());
  std::vector<std::vector<int>> prefix(size_t(networks), std::vector<int>(size_t(values), -1));
  int lo = chips;
  for (int n = 0; n < networks; ++n)
    for (int v = 0; v < values; ++v) {
      bool settled = false;
      const int k = known_prefix(s, rs, n, v, settled);
      if (!settled) {
        prefix[size_t(n)][size_t(v)] = k;
        lo = std::min(lo, k);
      }
    }
  const int hi = s.ci_width ? std::min(chips, std::max(lo + ranks, s.min_chips)) : chips;
  std::vector<ChainTask> tasks;
  for (int c = lo; c < hi; ++c)
    for (int n = 0; n < networks; ++n) {
      ChainTask t{n, c, {}};
      for (int v = 0; v < values; ++v) {
        const int k = prefix[size_t(n)][size_t(v)];
        if (k >= 0 && k <= c && !rs.find(n, v, c)) t.values.push_back(v);
      }
      if (!t.values.empty()) tasks.push_back(std::move(t));
    }
  return tasks;
}

/// The files a sweep writes into --out (beside its journal), committed as one set.
StudyOutputSet sweep_output_set(const std::string& dir) {
  return StudyOutputSet(dir, "sweep",
                        {"points.json", "points.csv", "summary.json", "summary.csv", "thresholds.csv", "report.html"});
}

/// Checks every output location (a folder holding another kind of study is refused), creates the
/// output directory and checks it can be written, before any work starts.
void prepare_out_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  sweep_output_set(dir).check();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw ConfigError(located("--out", "", "cannot create directory " + dir));
  const std::string probe = (fs::path(dir) / ".lvsim-write-probe").string();
  try {
    write_file_atomically(probe, "probe\n");
  } catch (const UserError&) {
    throw ConfigError(located("--out", "", "directory " + dir + " is not writable"));
  }
  fs::remove(probe, ec);
}

/// What a journal line of this study can hold (each network's sizes, the study's dimensions).
JournalBounds journal_bounds(const StudyContext& ctx) {
  JournalBounds b;
  for (const StudyNetworkState& n : ctx.networks()) {
    JournalBounds::Network bn;
    for (const Layer& L : n.net.layers) {
      // Every tensor the weight SRAM holds: conv/linear weights, and GroupNorm parameters unless
      // they live in the register file (read_all_weights counts the same ones).
      if (!L.has_parameters() || !n.net.params_in_weight_sram(L)) continue;
      bn.bits_stored += int64_t(L.weight.stored.size()) * L.weight.bits;
      bn.weights += int64_t(L.weight.stored.size());
    }
    bn.macs_by_weight_bits = n.counts_per_image.macs_by_weight_bits;
    b.networks.push_back(bn);
  }
  b.values = int64_t(ctx.spec().values.size());
  b.chips = int64_t(ctx.spec().chip_seeds.size());
  b.images = ctx.test().count;
  b.cells = ctx.geometry().cells();
  return b;
}

std::string records_to_text(const std::vector<PointRecord>& rs) {
  nlohmann::json j = nlohmann::json::array();
  for (const PointRecord& r : rs) j.push_back(r.to_json());
  return j.dump();
}

/// The sweep on one rank (rank 0 also journals, gathers and writes).
class SweepRun {
 public:
  SweepRun(const StudyContext& ctx, const StudyExecution& exec, StudyComm& comm)
      : ctx_(ctx), exec_(exec), comm_(comm), progress_(exec.quiet || comm.rank() != 0, ctx.test().count) {}

  SweepOutcome run(StudyJournal* journal, const std::vector<PointRecord>& journaled);

 private:
  void run_round(const std::vector<ChainTask>& tasks, StudyJournal* journal, std::vector<PointRecord>& fresh);
  void accept(const PointRecord& r, StudyJournal* journal, std::vector<PointRecord>& fresh);
  void drain_workers(StudyJournal* journal, std::vector<PointRecord>& fresh, bool wait);
  /// Rank 0 adds every worker's reuse counters to its own (after the last round).
  void gather_stats();

  const StudyContext& ctx_;
  const StudyExecution& exec_;
  StudyComm& comm_;
  StudyProgress progress_;
  RecordSet records_;
  ChainStats stats_;
};

void SweepRun::accept(const PointRecord& r, StudyJournal* journal, std::vector<PointRecord>& fresh) {
  journal->append(r);
  fresh.push_back(r);
  progress_.point_done();
  if (exec_.on_progress) exec_.on_progress(progress_.done(), progress_.total());
}

void SweepRun::drain_workers(StudyJournal* journal, std::vector<PointRecord>& fresh, bool wait) {
  std::string text;
  while (comm_.receive_from_worker(text, wait)) {
    accept(PointRecord::from_json(nlohmann::json::parse(text), "worker"), journal, fresh);
    if (wait) return;
  }
}

void SweepRun::run_round(const std::vector<ChainTask>& tasks, StudyJournal* journal, std::vector<PointRecord>& fresh) {
  size_t expected = 0;
  for (const ChainTask& t : tasks) expected += t.values.size();
  const bool root = comm_.rank() == 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (int(i % size_t(comm_.size())) != comm_.rank()) continue;
    const ChainTask& t = tasks[i];
    std::map<int, PointRecord> known;
    for (int v = 0; v <= t.values.back(); ++v)
      if (const PointRecord* r = records_.find(t.network, v, t.chip)) known[v] = *r;
    StudyChain chain(ctx_, t.network, t.chip, exec_);
    chain.run(t.values, known, [&](const PointRecord& r) {
      if (root) {
        accept(r, journal, fresh);
        drain_workers(journal, fresh, false);
      } else {
        comm_.send_to_root(r.to_json().dump());
      }
    });
    stats_ += chain.stats();
  }
  if (root)
    while (fresh.size() < expected) drain_workers(journal, fresh, true);
}

void SweepRun::gather_stats() {
  if (comm_.rank() != 0) {
    comm_.send_to_root(nlohmann::json(stats_.to_array()).dump());
    return;
  }
  std::string text;
  for (int worker = 1; worker < comm_.size(); ++worker) {
    comm_.receive_from_worker(text, true);
    stats_ += ChainStats::from_array(nlohmann::json::parse(text).get<std::vector<int64_t>>());
  }
}

SweepOutcome SweepRun::run(StudyJournal* journal, const std::vector<PointRecord>& journaled) {
  for (const PointRecord& r : journaled) records_.add(r, journal ? journal->path() : "journal");
  SweepOutcome out;
  out.from_journal = int64_t(records_.size());
  const StudySpec& s = ctx_.spec();
  int64_t planned = int64_t(s.networks.size() * s.values.size() * s.chip_seeds.size()) - out.from_journal;
  progress_.set_total(std::max<int64_t>(planned, 0));
  for (;;) {
    const std::vector<ChainTask> tasks = plan_round(s, records_, comm_.size());
    if (tasks.empty()) break;
    std::vector<PointRecord> fresh;
    run_round(tasks, journal, fresh);
    std::string text = comm_.rank() == 0 ? records_to_text(fresh) : std::string();
    comm_.broadcast(text);  // every rank plans the next round from the same records
    for (const auto& j : nlohmann::json::parse(text)) records_.add(PointRecord::from_json(j, "round"), "round");
  }
  progress_.finish();
  gather_stats();
  out.computed = stats_.computed;
  out.reused_clean = stats_.reused_clean;
  out.reused_previous = stats_.reused_previous;
  out.resumed = stats_.resumed;
  out.macs_skipped = stats_.macs_skipped;
  out.macs_run = stats_.macs_run;
  out.wall_time_s = progress_.elapsed_s();
  if (comm_.rank() == 0) {
    const StudyOutputs o = build_study_outputs(ctx_, records_.all());
    out.points = int64_t(o.points["points"].size());
    sweep_output_set(exec_.out_dir)
        .commit({{"points.json", o.points_json},
                 {"points.csv", o.points_csv},
                 {"summary.json", o.summary_json},
                 {"summary.csv", o.summary_csv},
                 {"thresholds.csv", o.thresholds_csv},
                 {"report.html", study_report_html(o.summary, o.points)}});
    out.summary_text = study_summary_text(o.summary);
    out.points_json = o.points_json;
    out.summary_json = o.summary_json;
  }
  out.out_dir = exec_.out_dir;
  return out;
}

}  // namespace

SweepOutcome run_sweep(const StudySpec& spec, const StudyExecution& exec, StudyComm& comm) {
  if (exec.out_dir.empty()) throw ConfigError("command line: --out: an output directory is required");
  // Every rank loads and validates the same inputs, so bad input fails everywhere before any work.
  const StudyContext ctx(spec, resolve_threads(exec.threads));
  std::unique_ptr<StudyJournal> journal;
  std::string status = "ok", journaled_text = "[]";
  if (comm.rank() == 0) {
    try {
      prepare_out_dir(exec.out_dir);
      journal = std::make_unique<StudyJournal>((std::filesystem::path(exec.out_dir) / "journal.jsonl").string(),
                                               ctx.fingerprint(), ctx.spec().to_json(), journal_bounds(ctx));
      journaled_text = records_to_text(journal->finished());
    } catch (const UserError& e) {
      status = e.what();
    }
  }
  comm.broadcast(status);
  if (status != "ok") throw ConfigError(status);
  comm.broadcast(journaled_text);
  std::vector<PointRecord> journaled;
  for (const auto& j : nlohmann::json::parse(journaled_text)) journaled.push_back(PointRecord::from_json(j, "journal"));
  SweepRun run(ctx, exec, comm);
  return run.run(journal.get(), journaled);
}

}  // namespace lvsim
