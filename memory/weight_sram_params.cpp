#include "memory/weight_sram_params.h"

#include "memory/secded.h"

namespace lvsim {

WeightSramParams WeightSramParams::from_json(JsonObject& o) {
  WeightSramParams p;
  p.banks = int(o.get_int("banks", 1, 1 << 20));
  p.rows_per_bank = o.get_int("rows_per_bank", 1, int64_t(1) << 40);
  p.word_bits = int(o.get_int("word_bits", 8, 64));
  p.ecc = o.get_enum("ecc", {"none", "secded"}, "none");
  if (o.has("on_double_error") && p.ecc != "secded")
    o.fail("on_double_error", "only meaningful with \"ecc\": \"secded\"");
  p.on_double_error = o.get_enum("on_double_error", {"use_as_read", "zero_word"}, "use_as_read");
  p.read_ports_per_bank = int(o.get_int("read_ports_per_bank", 1, 64, 1));
  o.finish();
  p.validate(o.file(), o.path());
  return p;
}

void WeightSramParams::validate(const std::string& file, const std::string& path) const {
  auto field = [&](const std::string& k) { return path.empty() ? k : path + "." + k; };
  auto fail = [&](const std::string& k, const std::string& what) { throw ConfigError(located(file, field(k), what)); };
  if (banks < 1) fail("banks", "must be >= 1");
  if (rows_per_bank < 1) fail("rows_per_bank", "must be >= 1");
  if (word_bits < 8 || word_bits > 64) fail("word_bits", "must be in 8..64");
  if (ecc != "none" && ecc != "secded") fail("ecc", "must be \"none\" or \"secded\"");
  if (on_double_error != "use_as_read" && on_double_error != "zero_word")
    fail("on_double_error", "must be \"use_as_read\" or \"zero_word\"");
  if (ecc == "secded" && Secded::check_bits_for(word_bits) == 0)
    fail("word_bits", "SECDED needs 8, 16, 32 or 64 data bits per word, not " + std::to_string(word_bits));
  if (read_ports_per_bank < 1) fail("read_ports_per_bank", "must be >= 1");
  // lvsim keeps every word of the SRAM in memory (stored value, faults): a declared size beyond
  // this would exhaust the host before anything is simulated. banks <= 2^20 and rows <= 2^40, so
  // the product cannot overflow.
  if (rows_per_bank > (int64_t(1) << 40)) fail("rows_per_bank", "must be <= 2^40");
  if (int64_t(banks) * rows_per_bank > kMaxWeightSramWords)
    fail("rows_per_bank", "banks x rows_per_bank = " + std::to_string(int64_t(banks) * rows_per_bank) +
                              " words, more than lvsim simulates (" + std::to_string(kMaxWeightSramWords) + ")");
}

int WeightSramParams::check_bits() const {
  return secded() ? Secded::check_bits_for(word_bits) : 0;
}

}  // namespace lvsim
