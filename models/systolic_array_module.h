// Thin clocked SystemC shell over SystolicArray: one clocked process advances the whole array on
// every rising clock edge (the controller sets mode and edge inputs between edges).
#pragma once

#include <systemc>

#include <memory>

#include "models/systolic_array.h"

namespace lvsim {

/// SC_MODULE owning one SystolicArray; step() on every rising edge of clk.
SC_MODULE(SystolicArrayModule) {
  sc_core::sc_in<bool> clk;

  SC_HAS_PROCESS(SystolicArrayModule);
  SystolicArrayModule(sc_core::sc_module_name name, int rows, int cols);

  SystolicArray& array() {
    return *array_;
  }

 private:
  void on_rising_edge() {
    array_->step();
  }

  std::unique_ptr<SystolicArray> array_;
};

}  // namespace lvsim
