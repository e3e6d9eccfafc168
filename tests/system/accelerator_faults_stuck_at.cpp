// SystemC system test: persistent stuck-at cells (1% of the cells, no ECC) — fault_scenario.h.
#include "fault_scenario.h"

int sc_main(int, char*[]) {  // linked SystemC needs the symbol; Catch2's main drives sc_start()
  return 0;
}

TEST_CASE("fmnist CNN under SystemC with stuck-at cells: every layer equals golden on the weights as read",
          "[system][faults]") {
  lvsim::test::FaultScenario s;
  s.rate_model = "stuck_at";
  s.rate = 0.01;
  lvsim::test::run_fault_scenario(s);
}
