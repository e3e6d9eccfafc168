#include "models/systolic_array_module.h"

namespace lvsim {

SystolicArrayModule::SystolicArrayModule(sc_core::sc_module_name name, int rows, int cols)
    : sc_core::sc_module(name), clk("clk"), array_(std::make_unique<SystolicArray>(rows, cols)) {
  SC_METHOD(on_rising_edge);
  sensitive << clk.pos();
  dont_initialize();
}

}  // namespace lvsim
