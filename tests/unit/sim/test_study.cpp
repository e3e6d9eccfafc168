// Study building blocks without a full sweep: value and chip lists, study-file validation,
// statistics against hand-computed values and printed t tables, the adaptive chip rule, and the
// journal's framing, resume and refusal of another study's journal.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/errors.h"
#include "sim/report/study_outputs.h"
#include "sim/study/study_journal.h"
#include "sim/study/study_spec.h"
#include "sim/study/study_stats.h"

using namespace lvsim;

namespace {

std::string temp_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("lvsim-test-study-" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// What record() may hold: one network of 100 8-bit weights, 3 values x 2 chips, 100 images.
JournalBounds bounds() {
  JournalBounds b;
  b.networks.push_back({800, 100, {}});
  b.networks[0].macs_by_weight_bits[8] = 1000;
  b.values = 3;
  b.chips = 2;
  b.images = 100;
  b.cells = 1024;
  return b;
}

PointRecord record(int value, int chip, int64_t correct) {
  PointRecord r;
  r.network = 0;
  r.value = value;
  r.chip = chip;
  r.images = 100;
  r.correct = correct;
  r.robust_wrong = 100 - correct;
  r.bits_stored = 800;
  r.bit_errors = value;
  return r;
}

}  // namespace

TEST_CASE("value lists: ranges are inclusive, exact at the end, and refuse empty or reversed ranges", "[study]") {
  const std::vector<double> v = parse_value_list("0.90:0.70:-0.01", "--voltages");
  REQUIRE(v.size() == 21);
  CHECK(v.front() == 0.9);
  CHECK(v[10] == 0.8);
  CHECK(v.back() == 0.7);  // not 0.7000000000000001
  CHECK(parse_value_list("1e-4,1e-3,0.01", "--ber-list") == std::vector<double>{1e-4, 1e-3, 0.01});
  CHECK(parse_value_list("0.5:0.5:0.1", "x") == std::vector<double>{0.5});
  CHECK(parse_value_list("0.5:0.62:0.05", "x") == std::vector<double>{0.5, 0.55, 0.6});  // stops before TO
  CHECK_THROWS_WITH(parse_value_list("0.7:0.9:-0.01", "--voltages"), Catch::Contains("reversed"));
  CHECK_THROWS_AS(parse_value_list("0.9:0.7:0", "x"), ConfigError);
  CHECK_THROWS_AS(parse_value_list("0.9:0.7", "x"), ConfigError);
  CHECK_THROWS_AS(parse_value_list("", "x"), ConfigError);
  CHECK_THROWS_AS(parse_value_list("0.9,,0.8", "x"), ConfigError);
}

TEST_CASE("chip lists: a count, a range or seeds", "[study]") {
  CHECK(parse_chip_list("3", "--chips") == std::vector<uint64_t>{1, 2, 3});
  CHECK(parse_chip_list("7..9", "--chips") == std::vector<uint64_t>{7, 8, 9});
  CHECK(parse_chip_list("5,2,11", "--chips") == std::vector<uint64_t>{5, 2, 11});
  CHECK_THROWS_WITH(parse_chip_list("0", "--chips"), Catch::Contains("zero chips"));
  CHECK_THROWS_AS(parse_chip_list("9..7", "--chips"), ConfigError);
  CHECK_THROWS_AS(parse_chip_list("-1", "--chips"), ConfigError);
}

TEST_CASE("study validation names the field", "[study]") {
  StudySpec s;
  s.networks = {{"", "net.json"}};
  s.data_dir = "data";
  s.values = {0.9, 0.8};
  s.chip_seeds = {1, 2, 3};
  REQUIRE_NOTHROW(s.validate("study.json"));
  auto fails_with = [](StudySpec bad, const std::string& what) {
    CHECK_THROWS_WITH(bad.validate("study.json"), Catch::Contains(what));
  };
  StudySpec b = s;
  b.values = {0.8, 0.9};
  fails_with(b, "sorted");
  b = s;
  b.chip_seeds = {1, 1};
  fails_with(b, "chips: a chip seed is given twice");
  b = s;
  b.max_drop = {0.01, 1.2};
  fails_with(b, "max_drop: thresholds must be in [0, 1]");
  b = s;
  b.fault_model = "bit_flip";
  fails_with(b, "faults.model");
  b = s;
  b.ci_width = 0.01;
  b.min_chips = 4;
  fails_with(b, "adaptive.min_chips: is larger than the number of chips");
  b = s;
  b.axis = StudyAxis::Ber;
  b.fault_model = "stuck_at";
  b.values = {0.001, 1.5};
  fails_with(b, "ber: rates must be in [0, 1]");
}

TEST_CASE("statistics equal hand-computed values and printed t quantiles", "[study]") {
  // Printed two-sided 95% t table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
  CHECK(student_t_975(1) == Approx(12.706).epsilon(1e-4));
  CHECK(student_t_975(4) == Approx(2.776).epsilon(1e-3));
  CHECK(student_t_975(24) == Approx(2.064).epsilon(1e-3));
  CHECK(student_t_975(1000) == Approx(1.962).epsilon(1e-3));
  // x = 0.80, 0.82, 0.84, 0.86: mean 0.83, squared deviations 9+1+1+9 = 20 (x 1e-4),
  // s = sqrt(20e-4 / 3) = 0.0258199, half width = 3.182446 * s / 2 = 0.0410849.
  const SampleStats s = summarize({0.80, 0.82, 0.84, 0.86});
  CHECK(s.n == 4);
  CHECK(s.mean == Approx(0.83).epsilon(1e-12));
  CHECK(s.std == Approx(0.0258198890).epsilon(1e-8));
  CHECK(s.min == 0.80);
  CHECK(s.max == 0.86);
  CHECK(*s.ci95_low == Approx(0.83 - 0.0410849).epsilon(1e-6));
  CHECK(*s.ci95_high == Approx(0.83 + 0.0410849).epsilon(1e-6));
  const SampleStats one = summarize({0.5});
  CHECK(one.std == 0);
  CHECK_FALSE(one.ci95_low.has_value());
  CHECK_THROWS(summarize({}));
}

TEST_CASE("adaptive chip count: the shortest prefix whose CI is narrow enough", "[study]") {
  // Prefix of 2: mean 0.8, s = 0.0141421, CI width 2 * 12.706 * 0.01 = 0.254;
  // prefix of 3 (0.79, 0.81, 0.80): s = 0.01, width 2 * 4.303 * 0.01 / sqrt(3) = 0.0497.
  const std::vector<double> x = {0.79, 0.81, 0.80, 0.80, 0.80};
  CHECK(chips_for_ci_width(x, 0.3, 2) == 2);
  CHECK(chips_for_ci_width(x, 0.05, 2) == 3);
  CHECK(chips_for_ci_width(x, 0.05, 4) == 4);   // never fewer than min_chips
  CHECK(chips_for_ci_width(x, 0.001, 2) == 0);  // needs more chips than there are
  StudySpec s;
  s.chip_seeds = {1, 2, 3, 4, 5};
  CHECK(settled_chip_count(s, {0.8, 0.8}) == -1);  // fixed count: all five chips
  CHECK(settled_chip_count(s, x) == 5);
  s.ci_width = 0.05;
  s.min_chips = 2;
  CHECK(settled_chip_count(s, {0.79, 0.81}) == -1);
  CHECK(settled_chip_count(s, x) == 3);
  s.ci_width = 0.001;
  CHECK(settled_chip_count(s, x) == 5);  // never narrow enough: every chip
}

TEST_CASE("journal: framed lines, resume, torn last line, another study refused", "[study]") {
  const std::string dir = temp_dir("journal");
  const std::string path = dir + "/journal.jsonl";
  const nlohmann::json study = {{"what", "test"}};
  {
    StudyJournal j(path, "fp-1", study, bounds());
    CHECK(j.finished().empty());
    j.append(record(0, 0, 90));
    j.append(record(1, 0, 80));
  }
  {
    StudyJournal j(path, "fp-1", study, bounds());
    REQUIRE(j.finished().size() == 2);
    CHECK(j.finished()[1] == record(1, 0, 80));
  }
  // A kill in the middle of a write leaves a partial line: dropped, and appends continue cleanly.
  const std::string intact = slurp(path);
  { std::ofstream(path, std::ios::app) << frame_journal_line(record(2, 0, 70).to_json().dump()).substr(0, 20); }
  {
    StudyJournal j(path, "fp-1", study, bounds());
    CHECK(j.finished().size() == 2);
    j.append(record(2, 0, 70));
  }
  CHECK(slurp(path) == intact + frame_journal_line(record(2, 0, 70).to_json().dump()));
  CHECK_THROWS_WITH(StudyJournal(path, "fp-2", study, bounds()), Catch::Contains("journal of another study"));
  CHECK(slurp(path) == intact + frame_journal_line(record(2, 0, 70).to_json().dump()));  // untouched
  // A changed byte in a line that is not the last: an error naming the line.
  std::string damaged = slurp(path);
  damaged.replace(damaged.find("\"correct\":90"), 12, "\"correct\":99");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
  CHECK_THROWS_WITH(StudyJournal(path, "fp-1", study, bounds()), Catch::Contains("line 2"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("journal: a line outside the study's bounds is refused, naming the field", "[study]") {
  const JournalBounds b = bounds();
  CHECK_NOTHROW(check_point_record(record(2, 1, 100), b, "j: line 2"));
  auto refused = [&](PointRecord r, const char* field) {
    CHECK_THROWS_WITH(check_point_record(r, b, "j: line 2"), Catch::StartsWith(std::string("j: line 2: ") + field));
  };
  PointRecord r = record(0, 0, 90);
  r.correct = 101;
  refused(r, "correct");
  r = record(0, 0, 90);
  r.robust_wrong = 9;  // fewer robust errors (10 at least) than errors
  refused(r, "robust_wrong");
  refused(record(3, 0, 90), "value");
  refused(record(0, 2, 90), "chip");
  r = record(0, 0, 90);
  r.network = 1;
  refused(r, "network");
  r = record(0, 0, 90);
  r.images = 99;
  refused(r, "images");
  r = record(0, 0, 90);
  r.bits_stored = 801;
  refused(r, "bits_stored");
  r = record(1, 0, 90);
  r.weights_changed = 2;  // one bit error cannot change two weights
  refused(r, "weights_changed");
  r = record(0, 0, 90);
  r.failing_cells = 1025;
  refused(r, "failing_cells");
  r = record(0, 0, 90);
  r.weights_as_previous_value = true;
  refused(r, "weights_as_previous_value");
  r = record(0, 0, 90);
  r.zero_operand_macs_by_weight_bits[8] = 100 * 1000 + 1;
  refused(r, "zero_operand_macs_by_weight_bits");
  r.zero_operand_macs_by_weight_bits[8] = 100 * 1000;
  CHECK_NOTHROW(check_point_record(r, b, "j: line 2"));
}
