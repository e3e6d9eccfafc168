#include "energy/action_counts_json.h"

#include <utility>
#include <vector>

#include "common/json_reader.h"

namespace lvsim {

namespace {

// The scalar fields, in declaration order; one table serves both directions.
std::vector<std::pair<const char*, int64_t ActionCounts::*>> scalar_fields() {
  return {{"pe_register_bits_written", &ActionCounts::pe_register_bits_written},
          {"pe_register_bits_idle", &ActionCounts::pe_register_bits_idle},
          {"pe_hops", &ActionCounts::pe_hops},
          {"weight_sram_reads", &ActionCounts::weight_sram_reads},
          {"weight_sram_writes", &ActionCounts::weight_sram_writes},
          {"ecc_decodes", &ActionCounts::ecc_decodes},
          {"ecc_encodes", &ActionCounts::ecc_encodes},
          {"input_buffer_reads", &ActionCounts::input_buffer_reads},
          {"input_buffer_writes", &ActionCounts::input_buffer_writes},
          {"output_buffer_reads", &ActionCounts::output_buffer_reads},
          {"output_buffer_writes", &ActionCounts::output_buffer_writes},
          {"post_ops", &ActionCounts::post_ops},
          {"norm_stat_ops", &ActionCounts::norm_stat_ops},
          {"rsqrt_ops", &ActionCounts::rsqrt_ops},
          {"norm_ops", &ActionCounts::norm_ops},
          {"dram_bytes", &ActionCounts::dram_bytes},
          {"cycles", &ActionCounts::cycles}};
}

}  // namespace

nlohmann::json action_counts_to_json(const ActionCounts& c) {
  nlohmann::json macs = nlohmann::json::object(), zero = nlohmann::json::object();
  for (int m = 2; m <= 8; ++m) {
    macs[std::to_string(m)] = c.macs_by_weight_bits[m];
    zero[std::to_string(m)] = c.zero_operand_macs_by_weight_bits[m];
  }
  nlohmann::json j = nlohmann::json::object();
  j["macs"] = c.macs();
  j["macs_by_weight_bits"] = macs;
  j["zero_operand_macs_by_weight_bits"] = zero;
  for (const auto& [name, member] : scalar_fields()) j[name] = c.*member;
  return j;
}

ActionCounts action_counts_from_json(const nlohmann::json& j, const std::string& file, const std::string& path) {
  ActionCounts c;
  JsonObject o(j, file, path);
  {
    JsonObject macs = o.get_object("macs_by_weight_bits");
    for (int m = 2; m <= 8; ++m) c.macs_by_weight_bits[m] = macs.get_int(std::to_string(m), 0, INT64_MAX);
    macs.finish();
  }
  {
    JsonObject zero = o.get_object("zero_operand_macs_by_weight_bits");
    for (int m = 2; m <= 8; ++m) {
      const std::string key = std::to_string(m);
      c.zero_operand_macs_by_weight_bits[m] = zero.get_int(key, 0, INT64_MAX);
      if (c.zero_operand_macs_by_weight_bits[m] > c.macs_by_weight_bits[m])
        zero.fail(key, "exceeds macs_by_weight_bits." + key);
    }
    zero.finish();
  }
  for (const auto& [name, member] : scalar_fields()) c.*member = o.get_int(name, 0, INT64_MAX);
  __int128 sum = 0;  // c.macs() could wrap on hostile counts
  for (int64_t v : c.macs_by_weight_bits) sum += v;
  if (o.has("macs") && o.get_int("macs", 0, INT64_MAX) != sum)
    o.fail("macs", "does not equal the sum of macs_by_weight_bits (" +
                       (sum <= INT64_MAX ? std::to_string(int64_t(sum)) : std::string("more than 2^63 - 1")) + ")");
  o.finish();
  return c;
}

}  // namespace lvsim
