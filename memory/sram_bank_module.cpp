#include "memory/sram_bank_module.h"

namespace lvsim {

SramBankModule::SramBankModule(sc_core::sc_module_name name, SramBank& bank, int ports)
    : sc_core::sc_module(name),
      req_valid("req_valid", size_t(ports)),
      req_row("req_row", size_t(ports)),
      resp_valid("resp_valid", size_t(ports)),
      resp_data("resp_data", size_t(ports)),
      resp_check("resp_check", size_t(ports)),
      bank_(bank) {
  SC_METHOD(on_clock);
  sensitive << clk.pos();
  dont_initialize();
}

void SramBankModule::on_clock() {
  for (size_t p = 0; p < req_valid.size(); ++p) {
    const bool valid = req_valid[p].read();
    resp_valid[p].write(valid);
    if (!valid) continue;
    const SramWord w = bank_.read(req_row[p].read());
    resp_data[p].write(w.data);
    resp_check[p].write(w.check);
  }
}

}  // namespace lvsim
