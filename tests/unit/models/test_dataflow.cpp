// The fold plan (models/dataflow.h) against its definition, on random layers and arrays for every
// dataflow: the folds tile the array extents exactly, each dataflow uses every weight as often as
// it must (WS once, OS once per pixel tile, IS once per pixel tile), the units are the runs of
// folds sharing their filters, and the word runs of a fold are exactly the words holding its
// weights (located weight by weight with WeightLayout::locate, not the run walker).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "memory/weight_layout.h"
#include "models/dataflow.h"
#include "tests/support/models_test_util.h"

using namespace lvsim;

namespace {

// Folds that must use each weight (filter o, reduction index k), by definition of the dataflow.
int64_t uses_per_weight(Dataflow df, const Layer& L, int rows, int cols) {
  const int64_t m_tiles_rows = (L.gemm_m() + rows - 1) / rows, m_tiles_cols = (L.gemm_m() + cols - 1) / cols;
  switch (df) {
    case Dataflow::WeightStationary:
      return 1;  // K over rows, N over columns: each weight sits in one PE of one fold
    case Dataflow::OutputStationary:
      return m_tiles_rows;  // pixels over rows: every pixel tile streams all weights of its filters
    case Dataflow::InputStationary:
      return m_tiles_cols;  // pixels over columns: every pixel tile streams all filters
  }
  return 0;
}

}  // namespace

TEST_CASE("fold plan: tiles, weight uses, units and word runs by definition", "[dataflow]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const int seed = GENERATE(range(0, 12));
  SplitMix64 r(uint64_t(seed) * 977 + uint64_t(df) * 13 + 5);
  ArchitectureParams arch;
  arch.rows = test::uniform_int(r, 1, 7);
  arch.cols = test::uniform_int(r, 1, 7);
  arch.dataflow = df;
  arch.weight_sram.banks = test::uniform_int(r, 1, 4);
  arch.weight_sram.word_bits = std::vector<int>{8, 16, 24, 32, 64}[r.next() % 5];
  arch.weight_sram.rows_per_bank = 1 << 16;
  const test::ConvShape s = test::random_shape(r);
  const int bits = test::uniform_int(r, 2, 8);
  const Network net = test::make_layer_network(s, bits, r.next());
  const Layer& L = net.layers[0];
  INFO("dataflow " << dataflow_name(df) << " array " << arch.rows << "x" << arch.cols << " M " << L.gemm_m() << " K "
                   << L.gemm_k() << " N " << L.gemm_n() << " groups " << L.groups << " word_bits "
                   << arch.weight_sram.word_bits << " bits " << bits);
  const GemmMapping g = map_gemm(arch, L, arch.dataflow);
  const FoldPlan plan = plan_folds(arch, g);
  REQUIRE(int64_t(plan.folds.size()) == g.folds());

  // Tiles: every (group, array row index, array column index) of the extents mapped exactly once.
  std::map<std::tuple<int64_t, int64_t, int64_t>, int> pe_uses;
  std::map<std::pair<int64_t, int64_t>, int64_t> weight_uses;
  for (const Fold& f : plan.folds) {
    CHECK(f.rows >= 1);
    CHECK(f.rows <= arch.rows);
    CHECK(f.cols >= 1);
    CHECK(f.cols <= arch.cols);
    for (int64_t i = f.row0; i < f.row0 + f.rows; ++i)
      for (int64_t j = f.col0; j < f.col0 + f.cols; ++j) ++pe_uses[{f.group, i, j}];
    // The fold's weights lie in its group and span its tile along the dimension that holds them.
    CHECK(f.o0 >= f.group * g.n);
    CHECK(f.o1 <= (f.group + 1) * g.n);
    for (int64_t o = f.o0; o < f.o1; ++o)
      for (int64_t k = f.k0; k < f.k1; ++k) ++weight_uses[{o, k}];
  }
  CHECK(int64_t(pe_uses.size()) == g.groups * g.row_extent * g.col_extent);
  for (const auto& [pe, n] : pe_uses) CHECK(n == 1);
  CHECK(int64_t(weight_uses.size()) == L.gemm_n() * L.groups * L.gemm_k());
  const int64_t want = uses_per_weight(df, L, arch.rows, arch.cols);
  for (const auto& [w, n] : weight_uses) CHECK(n == want);

  // Units: consecutive, covering all folds; within a unit the same filters, between units others.
  int64_t next = 0;
  for (size_t u = 0; u < plan.units.size(); ++u) {
    const FoldUnit& unit = plan.units[u];
    CHECK(unit.first_fold == next);
    for (int64_t f = unit.first_fold; f <= unit.last_fold; ++f) {
      CHECK(plan.folds[size_t(f)].o0 == unit.o0);
      CHECK(plan.folds[size_t(f)].o1 == unit.o1);
    }
    if (u > 0) CHECK((plan.units[u - 1].o0 != unit.o0 || plan.units[u - 1].o1 != unit.o1));
    next = unit.last_fold + 1;
  }
  CHECK(next == int64_t(plan.folds.size()));

  // Word runs: ascending, disjoint, and their union is the set of words holding the fold's weights.
  const WeightLayout layout(arch.weight_sram, net);
  for (const Fold& f : plan.folds) {
    std::set<int64_t> want_words;
    for (int64_t o = f.o0; o < f.o1; ++o)
      for (int64_t k = f.k0; k < f.k1; ++k) {
        const WeightLocation at = layout.locate(0, o * g.k + k);
        want_words.insert(layout.physical_word(WordAddress{at.bank, at.row}));
      }
    std::set<int64_t> got;
    int64_t last = -1;
    for_each_fold_word_run(layout, 0, g.k, f, [&](int64_t lo, int64_t hi) {
      CHECK(lo > last);
      CHECK(hi >= lo);
      for (int64_t w = lo; w <= hi; ++w) got.insert(w);
      last = hi;
    });
    CHECK(got == want_words);
  }
}
