// Fuzz target: a study journal read on resume (StudyJournal: framing, checksums, the header's
// fingerprint, every line checked against a small study by check_point_record)
// (tests/fuzz/fuzz_common.h). Seeds in corpus/journal/ carry the fingerprint "fuzz" with valid
// checksums, so the fuzzer reaches the line checks.
#include "sim/study/study_journal.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lvsim::fuzz::write_file("journal.jsonl", data, size);
  // One network of 1,000 8-bit weights, 3 values x 4 chips, 20 images, a 2^16-cell SRAM.
  lvsim::JournalBounds b;
  b.networks.push_back({8000, 1000, {}});
  b.networks[0].macs_by_weight_bits[8] = 50000;
  b.values = 3;
  b.chips = 4;
  b.images = 20;
  b.cells = 65536;
  lvsim::fuzz::expect_result_or_user_error([&] {
    lvsim::StudyJournal j(path, "fuzz", nlohmann::json::object(), b);
    for (const lvsim::PointRecord& r : j.finished()) lvsim::check_point_record(r, b, "accepted line");
  });
  return 0;
}
