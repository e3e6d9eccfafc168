// Shared by the fuzz targets (tests/fuzz/fuzz_*.cpp, docs/reliability.md "Fuzzed parsers").
//
// lvsim's readers take paths, as the command line does, so each target writes the fuzzer's bytes
// to a file in a private temporary directory and calls the reader exactly as lvsim does. The only
// accepted outcomes are a result or a lvsim::UserError (the one-line message, exit 2); any other
// exception escapes LLVMFuzzerTestOneInput, which libFuzzer and the standalone driver report as a
// crash, as they do for sanitizer reports, aborts and timeouts.
#pragma once

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/errors.h"

namespace lvsim::fuzz {

/// A directory private to this process (created once, removed at exit).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/lvsim-fuzz-XXXXXX";
    if (!mkdtemp(templ.data())) {
      std::perror("lvsim fuzz: mkdtemp");
      std::abort();
    }
    static std::string removal;
    removal = templ;
    std::atexit([] {
      std::string cmd = "rm -rf '" + removal + "'";
      (void)!std::system(cmd.c_str());
    });
    return templ;
  }();
  return dir;
}

/// Writes bytes to scratch_dir()/name (replacing it) and returns the path.
inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = scratch_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(("lvsim fuzz: writing " + path).c_str());
    std::abort();
  }
  return path;
}

/// Runs a reader: a UserError is the expected answer to bad input; anything else propagates.
template <class F>
void expect_result_or_user_error(F&& read) {
  try {
    read();
  } catch (const lvsim::UserError&) {
  }
}

}  // namespace lvsim::fuzz
