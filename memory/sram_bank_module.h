// Thin clocked SystemC shell over SramBank for the netlist: each read port accepts one request
// per cycle (row sampled on the rising edge) and presents the word as read (faults applied, not
// ECC-decoded: SECDED decode sits with the consumer, see Secded / WeightMemory) on the next edge.
#pragma once

#include <systemc>

#include <cstdint>

#include "memory/sram_bank.h"

namespace lvsim {

/// SC_MODULE wrapper: ports x (req_valid, req_row) -> (resp_valid, resp_data, resp_check), 1-cycle latency.
SC_MODULE(SramBankModule) {
  sc_core::sc_in<bool> clk;
  sc_core::sc_vector<sc_core::sc_in<bool>> req_valid;
  sc_core::sc_vector<sc_core::sc_in<int64_t>> req_row;
  sc_core::sc_vector<sc_core::sc_out<bool>> resp_valid;
  sc_core::sc_vector<sc_core::sc_out<uint64_t>> resp_data;
  sc_core::sc_vector<sc_core::sc_out<uint16_t>> resp_check;

  /// The module reads `bank` (owned elsewhere, e.g. by a WeightMemory) through `ports` read ports.
  SC_HAS_PROCESS(SramBankModule);
  SramBankModule(sc_core::sc_module_name name, SramBank & bank, int ports);

  SramBank& bank() {
    return bank_;
  }

 private:
  void on_clock();

  SramBank& bank_;
};

}  // namespace lvsim
