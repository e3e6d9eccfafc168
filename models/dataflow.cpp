#include "models/dataflow.h"

namespace lvsim {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// PEs a layer maps, summed over its folds, and the neighbour pairs among them. A fold maps rows_f x
// cols_f PEs; summed over the tiles, sum rows_f * cols_f = row_extent * col_extent, sum (rows_f - 1)
// * cols_f = (row_extent - row_tiles) * col_extent (vertical neighbours), sum rows_f * (cols_f - 1) =
// row_extent * (col_extent - col_tiles) (horizontal).
struct MappedPes {
  int64_t mapped, vertical, horizontal;
};
MappedPes mapped_pes(const GemmMapping& g) {
  return {g.groups * g.row_extent * g.col_extent, g.groups * (g.row_extent - g.row_tiles) * g.col_extent,
          g.groups * g.row_extent * (g.col_extent - g.col_tiles)};
}

// WS and IS load a stationary operand (R cycles, 16-bit registers), then stream T operand vectors
// through the array (T + R + C - 2 cycles, 48 register bits per mapped PE per cycle).
void count_load_and_stream(int64_t R, int64_t C, const GemmMapping& g, ActionCounts& a) {
  const MappedPes p = mapped_pes(g);
  const int64_t stream = g.stream + R + C - 2;
  a.pe_register_bits_written = p.mapped * (16 * R + 48 * stream);
  a.pe_hops = p.vertical * R + (p.horizontal + p.vertical) * stream;
}

/// Weight stationary: K over array rows, N filters over columns, the M pixels stream.
class WeightStationary final : public DataflowRules {
 public:
  void map_extents(GemmMapping& g) const override { g.row_extent = g.k, g.col_extent = g.n, g.stream = g.m; }
  void fold_weights(const GemmMapping& g, Fold& f) const override {
    f.o0 = f.group * g.n + f.col0, f.o1 = f.o0 + f.cols, f.k0 = f.row0, f.k1 = f.row0 + f.rows;
  }
  int64_t scalesim_fold_cycles(int64_t R, int64_t C, int64_t T) const override { return 2 * R + C + T - 2; }
  int64_t output_window_cycles(int64_t, int64_t C, int64_t T) const override { return C + T - 1; }
  int64_t output_tile_elements(const GemmMapping& g, const Fold& f) const override {
    return f.row0 + f.rows == g.row_extent ? f.cols * g.stream : 0;
  }
  int64_t input_passes(const GemmMapping& g) const override { return g.col_tiles; }
  void count_buffers(const GemmMapping& g, ActionCounts& a) const override {
    // Every fold streams all M pixels over its K rows; K-folds accumulate in the output buffer.
    const int64_t mkn = g.groups * g.m * g.n;
    a.input_buffer_reads = g.groups * g.col_tiles * g.m * g.k;
    a.output_buffer_writes = 4 * g.row_tiles * mkn;
    a.output_buffer_reads = 4 * (g.row_tiles - 1) * mkn;
  }
  void count_pe_activity(int64_t R, int64_t C, const GemmMapping& g, ActionCounts& a) const override {
    count_load_and_stream(R, C, g, a);
  }
};

/// Output stationary: M pixels over rows, N filters over columns, the K reduction streams.
class OutputStationary final : public DataflowRules {
 public:
  void map_extents(GemmMapping& g) const override { g.row_extent = g.m, g.col_extent = g.n, g.stream = g.k; }
  void fold_weights(const GemmMapping& g, Fold& f) const override {
    f.o0 = f.group * g.n + f.col0, f.o1 = f.o0 + f.cols, f.k0 = 0, f.k1 = g.k;
  }
  int64_t scalesim_fold_cycles(int64_t R, int64_t C, int64_t T) const override { return R + C + T - 2; }
  int64_t output_window_cycles(int64_t R, int64_t, int64_t) const override { return R; }
  int64_t output_tile_elements(const GemmMapping&, const Fold& f) const override { return f.rows * f.cols; }
  int64_t input_passes(const GemmMapping& g) const override { return g.col_tiles; }
  void count_buffers(const GemmMapping& g, ActionCounts& a) const override {
    // Every fold streams its pixels' full K; each accumulator is written once, from the array.
    a.input_buffer_reads = g.groups * g.col_tiles * g.m * g.k;
    a.output_buffer_writes = 4 * g.groups * g.m * g.n;
  }
  void count_pe_activity(int64_t R, int64_t C, const GemmMapping& g, ActionCounts& a) const override {
    // R + C + T - 2 compute cycles (64 register bits per mapped PE), then R drain steps (32).
    const MappedPes p = mapped_pes(g);
    const int64_t compute = R + C + g.stream - 2;
    a.pe_register_bits_written = p.mapped * (64 * compute + 32 * R);
    a.pe_hops = (p.horizontal + p.vertical) * compute + p.vertical * R;
  }
};

/// Input stationary: K over rows, M pixels over columns, the N filters stream.
class InputStationary final : public DataflowRules {
 public:
  void map_extents(GemmMapping& g) const override { g.row_extent = g.k, g.col_extent = g.m, g.stream = g.n; }
  void fold_weights(const GemmMapping& g, Fold& f) const override {
    f.o0 = f.group * g.n, f.o1 = f.o0 + g.n, f.k0 = f.row0, f.k1 = f.row0 + f.rows;
  }
  int64_t scalesim_fold_cycles(int64_t R, int64_t C, int64_t T) const override { return 2 * R + C + T - 2; }
  int64_t output_window_cycles(int64_t, int64_t C, int64_t T) const override { return C + T - 1; }
  int64_t output_tile_elements(const GemmMapping& g, const Fold& f) const override {
    return f.row0 + f.rows == g.row_extent ? f.cols * g.stream : 0;
  }
  int64_t input_passes(const GemmMapping&) const override { return 1; }
  void count_buffers(const GemmMapping& g, ActionCounts& a) const override {
    // Each activation is loaded once as a stationary operand; K-folds accumulate.
    const int64_t mkn = g.groups * g.m * g.n;
    a.input_buffer_reads = g.groups * g.m * g.k;
    a.output_buffer_writes = 4 * g.row_tiles * mkn;
    a.output_buffer_reads = 4 * (g.row_tiles - 1) * mkn;
  }
  void count_pe_activity(int64_t R, int64_t C, const GemmMapping& g, ActionCounts& a) const override {
    count_load_and_stream(R, C, g, a);
  }
};

}  // namespace

const DataflowRules& dataflow_rules(Dataflow d) {
  static const WeightStationary ws;
  static const OutputStationary os;
  static const InputStationary is;
  switch (d) {
    case Dataflow::OutputStationary:
      return os;
    case Dataflow::InputStationary:
      return is;
    case Dataflow::WeightStationary:
      break;
  }
  return ws;
}

GemmMapping map_gemm(const ArchitectureParams& arch, const Network& net, int layer) {
  return map_gemm(arch, net.layers.at(size_t(layer)), arch.dataflow_of(layer));
}

GemmMapping map_gemm(const ArchitectureParams& arch, const Layer& L, Dataflow d) {
  GemmMapping g;
  g.dataflow = d;
  if (!L.has_weights()) return g;
  g.groups = L.groups;
  g.m = L.gemm_m();
  g.k = L.gemm_k();
  g.n = L.gemm_n();
  dataflow_rules(d).map_extents(g);
  g.row_tiles = ceil_div(g.row_extent, arch.rows);
  g.col_tiles = ceil_div(g.col_extent, arch.cols);
  return g;
}

FoldPlan plan_folds(const ArchitectureParams& arch, const GemmMapping& g) {
  const DataflowRules& rules = dataflow_rules(g.dataflow);
  FoldPlan plan;
  plan.gemm = g;
  plan.folds.reserve(size_t(g.folds()));
  const int64_t R = arch.rows, C = arch.cols;
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t ct = 0; ct < g.col_tiles; ++ct)
      for (int64_t rt = 0; rt < g.row_tiles; ++rt) {
        Fold f;
        f.group = grp;
        f.row0 = rt * R;
        f.rows = std::min(R, g.row_extent - f.row0);
        f.col0 = ct * C;
        f.cols = std::min(C, g.col_extent - f.col0);
        rules.fold_weights(g, f);
        const int64_t index = int64_t(plan.folds.size());
        if (plan.units.empty() || plan.units.back().o0 != f.o0 || plan.units.back().o1 != f.o1)
          plan.units.push_back({f.o0, f.o1, index, index});
        else
          plan.units.back().last_fold = index;
        plan.folds.push_back(f);
      }
  return plan;
}

}  // namespace lvsim
