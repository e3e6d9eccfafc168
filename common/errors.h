// Typed errors thrown by library code. Only main() turns them into a message and an exit code
// (user errors -> exit 2). Every message names the file and the field it is about.
#pragma once

#include <stdexcept>
#include <string>

namespace lvsim {

/// Base of every user-facing error: bad input files, impossible configurations.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration (network, architecture, technology, CLI values) is invalid or inconsistent.
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

/// A file is malformed, truncated or of the wrong kind (JSON syntax, IDX headers, fault maps).
class FormatError : public UserError {
 public:
  using UserError::UserError;
};

/// Marks an error about an input file or directory that does not exist, whatever its class: the
/// Python API raises these as FileNotFoundError (`throw Missing<ConfigError>(...)`).
class MissingInput {
 public:
  virtual ~MissingInput() = default;
};
template <class Error>
class Missing : public Error, public MissingInput {
 public:
  using Error::Error;
};

/// "file: field: what is wrong" — the one shape of every user-facing message.
inline std::string located(const std::string& file, const std::string& field, const std::string& what) {
  std::string s = file;
  if (!field.empty()) s += ": " + field;
  return s + ": " + what;
}

}  // namespace lvsim
