// SystemC system test: read-flip cells under SECDED (corrected, detected and miscorrected words;
// detected words zeroed) — fault_scenario.h.
#include "fault_scenario.h"

int sc_main(int, char*[]) {  // linked SystemC needs the symbol; Catch2's main drives sc_start()
  return 0;
}

TEST_CASE("fmnist CNN under SystemC with SECDED: every layer equals golden on the weights as read",
          "[system][faults]") {
  lvsim::test::FaultScenario s;
  s.ecc = "secded";
  s.on_double_error = "zero_word";
  s.rate = 0.004;  // ~4% of the 72-bit words hold two or more failing cells
  lvsim::test::run_fault_scenario(s);
}
