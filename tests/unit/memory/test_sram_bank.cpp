#include <catch2/catch.hpp>

#include <stdexcept>

#include "memory/sram_bank.h"

using namespace lvsim;

TEST_CASE("sram bank: clean storage, counts, widths", "[memory][sram]") {
  SramBank b(8, 12, 5);
  CHECK(b.read(3) == SramWord{0, 0});  // all-zero at start
  b.write(3, 0xFABC, 0x3F);            // bits above 12 data / 5 check bits do not exist
  CHECK(b.read(3) == SramWord{0xABC, 0x1F});
  CHECK(b.stats().writes == 1);
  CHECK(b.stats().reads == 2);
  CHECK(b.sense(3) == SramWord{0xABC, 0x1F});  // not counted
  b.count_reads(10);
  CHECK(b.stats().reads == 12);
  b.stats().reset();
  CHECK(b.stats().reads == 0);
  CHECK_THROWS_AS(b.write(8, 0), std::out_of_range);
  CHECK_THROWS_AS(b.read(-1), std::out_of_range);
  SramBank nocheck(2, 64, 0);
  nocheck.write(1, ~uint64_t(0), 0x7);
  CHECK(nocheck.read(1) == SramWord{~uint64_t(0), 0});
}

TEST_CASE("sram bank: fault masks on read, clean writes", "[memory][sram]") {
  SramBank b(4, 8, 5);
  b.write(1, 0xA5, 0x11);  // 1010'0101, check 1'0001
  WordFaultMasks m;
  m.or_mask = 0x01;              // stuck-at-1 on bit 0 (holds 1): no effect
  m.and_mask = ~uint64_t(0x80);  // stuck-at-0 on bit 7 (holds 1): 0xA5 -> 0x25
  m.xor_mask = 0x02;             // read-flip on bit 1: -> 0x27
  m.check_or_mask = 0x02;        // stuck-at-1 on check bit 1 (holds 0): 0x11 -> 0x13
  m.check_and_mask = 0xFFFE;     // stuck-at-0 on check bit 0 (holds 1): -> 0x12
  m.check_xor_mask = 0x20;       // a check cell that does not exist (5 check bits): no effect
  b.set_fault(1, m);
  CHECK(b.faulty_rows() == 1);
  CHECK(b.read(1) == SramWord{0x27, 0x12});
  CHECK(b.read(1) == SramWord{0x27, 0x12});  // persistent
  CHECK(b.stored(1) == SramWord{0xA5, 0x11});
  CHECK(b.read(0) == SramWord{0, 0});
  WordFaultMasks hi;
  hi.or_mask = 0x100;  // a data cell beyond word_bits: no effect
  b.set_fault(2, hi);
  CHECK(b.read(2) == SramWord{0, 0});
  b.write(1, 0x00, 0x00);  // writes store clean values; the faulty cells still act on read
  CHECK(b.stored(1) == SramWord{0, 0});
  CHECK(b.read(1) == SramWord{0x03, 0x02});
  b.clear_faults();
  CHECK(b.faulty_rows() == 0);
  CHECK(b.fault(1) == nullptr);
  CHECK(b.read(1) == SramWord{0, 0});
  b.set_fault(0, WordFaultMasks{});  // empty masks: the row stays clean
  CHECK(b.fault(0) == nullptr);
}

// Storage follows the rows written, not the rows declared: a bank of 2^40 rows is constructed and
// used in microseconds (it would need 8 TiB if it were allocated). Rows never written read as zero,
// and faults on them act as on any row, also after the row is written.
TEST_CASE("sram bank: a huge declared bank costs only its written rows", "[memory][sram]") {
  const int64_t rows = int64_t(1) << 40;
  SramBank b(rows, 16, 6, 4);
  CHECK(b.rows() == rows);
  b.write(2, 0x1234, 0x15);
  CHECK(b.read(rows - 1) == SramWord{0, 0});
  CHECK(b.stored(1) == SramWord{0, 0});
  WordFaultMasks far;
  far.xor_mask = 0x8001;
  b.set_fault(rows - 1, far);  // beyond the written rows: kept sparsely
  b.set_fault(1000, far);
  CHECK(b.faulty_rows() == 2);
  CHECK(b.read(rows - 1) == SramWord{0x8001, 0});
  WordFaultMasks near;
  near.or_mask = 0x1;
  b.set_fault(2, near);
  CHECK(b.read(2) == SramWord{0x1235, 0x15});
  b.write(1000, 0x00F0, 0);  // the row becomes stored: its fault stays
  CHECK(b.read(1000) == SramWord{0x80F1, 0});
  CHECK(b.read(2) == SramWord{0x1235, 0x15});
  b.set_fault(5000, WordFaultMasks{});  // empty masks on an unwritten row: stays clean
  CHECK(b.fault(5000) == nullptr);
  CHECK(b.read(5000) == SramWord{0, 0});
  b.clear_faults();
  CHECK(b.read(rows - 1) == SramWord{0, 0});
  CHECK(b.read(1000) == SramWord{0x00F0, 0});
  CHECK(b.faulty_rows() == 0);
  CHECK_THROWS_AS(SramBank(4, 8, 0, 5), std::invalid_argument);
}
