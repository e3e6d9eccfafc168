// SystemC system test: transient read errors (fresh per image and layer) on top of persistent
// read-flip cells — fault_scenario.h.
#include "fault_scenario.h"

int sc_main(int, char*[]) {  // linked SystemC needs the symbol; Catch2's main drives sc_start()
  return 0;
}

TEST_CASE("fmnist CNN under SystemC with transient errors: every layer equals golden on each image's weights",
          "[system][faults]") {
  lvsim::test::FaultScenario s;
  s.rate = 1e-3;
  s.transient_ber = 1e-3;
  s.images = 3;
  lvsim::test::run_fault_scenario(s);
}
