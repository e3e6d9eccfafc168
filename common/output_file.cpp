#include "common/output_file.h"

#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "common/errors.h"

namespace lvsim {

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(located(path, "", "cannot write file"));
    out.write(content.data(), std::streamsize(content.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw ConfigError(located(path, "", "write failed"));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw ConfigError(located(path, "", "cannot replace file"));
  }
}

}  // namespace lvsim
