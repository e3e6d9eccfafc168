// libsystemc.so defines main() and refers to sc_main, so every program linked with it must define
// sc_main - also those that never start the SystemC kernel through it (the Catch2 unit tests, the
// fuzz targets). Without one, linking fails wherever the linker keeps libsystemc (e.g. the
// sanitizer build). This weak definition satisfies the reference; a strong sc_main (the system
// tests, lvsim itself) takes precedence.
#include <cstdio>
#include <cstdlib>

extern "C" __attribute__((weak)) int sc_main(int, char*[]) {
  std::fputs("this program has no SystemC entry point (tests/no_sc_main.cpp)\n", stderr);
  std::abort();
}
