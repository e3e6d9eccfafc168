#include "sim/study_journal.h"

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/output_file.h"

namespace lvsim {

namespace {

constexpr const char* kFormat = "lvsim-study-journal";

// The members of a record, in one list (name, pointer to member) for both directions.
struct IntField {
  const char* name;
  int64_t PointRecord::*member;
};
constexpr IntField kIntFields[] = {
    {"images", &PointRecord::images},
    {"correct", &PointRecord::correct},
    {"robust_wrong", &PointRecord::robust_wrong},
    {"bits_stored", &PointRecord::bits_stored},
    {"failing_cells", &PointRecord::failing_cells},
    {"faulty_words", &PointRecord::faulty_words},
};  // and the WeightErrorCounts (for_each_count)

uint32_t crc_of(const std::string& s) {
  return uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), uInt(s.size())));
}

/// The JSON text of a framed line, or false if the line is not intact.
bool unframe(const std::string& line, std::string& json_text) {
  if (line.size() < 10 || line[8] != ' ') return false;
  unsigned long crc = 0;
  try {
    size_t used = 0;
    crc = std::stoul(line.substr(0, 8), &used, 16);
    if (used != 8) return false;
  } catch (const std::exception&) {
    return false;
  }
  json_text = line.substr(9);
  return crc == crc_of(json_text);
}

}  // namespace

nlohmann::json PointRecord::to_json() const {
  nlohmann::json j = {{"network", network}, {"value", value}, {"chip", chip}};
  for (const IntField& f : kIntFields) j[f.name] = this->*f.member;
  WeightErrorCounts::for_each_count([&](const char* name, int64_t WeightErrorCounts::*m) { j[name] = this->*m; });
  j["weights_as_previous_value"] = weights_as_previous_value;
  j["zero_operand_macs_by_weight_bits"] = zero_operand_macs_by_weight_bits;
  return j;
}

PointRecord PointRecord::from_json(const nlohmann::json& j, const std::string& origin) {
  auto get = [&](const char* key) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(key)) throw FormatError(located(origin, key, "missing"));
    return j[key];
  };
  auto get_int = [&](const char* key) {
    const nlohmann::json& v = get(key);
    if (!v.is_number_integer()) throw FormatError(located(origin, key, "expected an integer"));
    return v.get<int64_t>();
  };
  PointRecord r;
  r.network = int(get_int("network"));
  r.value = int(get_int("value"));
  r.chip = int(get_int("chip"));
  for (const IntField& f : kIntFields) r.*f.member = get_int(f.name);
  WeightErrorCounts::for_each_count([&](const char* name, int64_t WeightErrorCounts::*m) { r.*m = get_int(name); });
  const nlohmann::json& b = get("weights_as_previous_value");
  if (!b.is_boolean()) throw FormatError(located(origin, "weights_as_previous_value", "expected true or false"));
  r.weights_as_previous_value = b.get<bool>();
  const nlohmann::json& z = get("zero_operand_macs_by_weight_bits");
  if (!z.is_array() || z.size() != r.zero_operand_macs_by_weight_bits.size())
    throw FormatError(located(origin, "zero_operand_macs_by_weight_bits", "expected an array of 9 integers"));
  for (size_t i = 0; i < z.size(); ++i) {
    if (!z[i].is_number_integer())
      throw FormatError(located(origin, "zero_operand_macs_by_weight_bits", "expected integers"));
    r.zero_operand_macs_by_weight_bits[i] = z[i].get<int64_t>();
  }
  return r;
}

std::string frame_journal_line(const std::string& json_text) {
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", crc_of(json_text));
  return std::string(crc) + " " + json_text + "\n";
}

StudyJournal::StudyJournal(std::string path, const std::string& fingerprint, const nlohmann::json& study)
    : path_(std::move(path)) {
  std::string content;
  {
    std::ifstream in(path_, std::ios::binary);
    if (in) content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Intact lines only: a line without its newline or with a bad checksum at the end was torn by a
  // kill mid-write and is dropped; anywhere else it means the file was damaged.
  std::vector<std::string> lines;
  size_t start = 0, good_bytes = 0;
  bool header_ok = false;
  while (start < content.size()) {
    const size_t nl = content.find('\n', start);
    const bool last = nl == std::string::npos || nl + 1 == content.size();
    std::string text;
    const bool intact = nl != std::string::npos && unframe(content.substr(start, nl - start), text);
    if (!intact) {
      if (last) break;
      throw FormatError(located(path_, "line " + std::to_string(lines.size() + 1),
                                "corrupt journal line (checksum); delete the journal to start the study anew"));
    }
    lines.push_back(text);
    good_bytes = nl + 1;
    start = nl + 1;
  }
  if (!lines.empty()) {
    nlohmann::json header = nlohmann::json::parse(lines[0], nullptr, false);
    if (header.is_discarded() || !header.is_object() || header.value("format", "") != kFormat)
      throw FormatError(located(path_, "format", "not an lvsim study journal"));
    if (header.value("fingerprint", "") != fingerprint)
      throw ConfigError(located(path_, "fingerprint",
                                "journal of another study (networks, data, hardware or study options differ); "
                                "use another --out directory or delete the journal"));
    header_ok = true;
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::string origin = path_ + ": line " + std::to_string(i + 1);
      const nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
      if (j.is_discarded()) throw FormatError(located(origin, "", "not JSON"));
      finished_.push_back(PointRecord::from_json(j, origin));
    }
  }
  if (!header_ok) {
    const nlohmann::json header = {{"format", kFormat}, {"version", 1}, {"fingerprint", fingerprint}, {"study", study}};
    write_file_atomically(path_, frame_journal_line(header.dump()));
    good_bytes = std::string::npos;
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw ConfigError(located(path_, "", "cannot open the journal for appending"));
  if (good_bytes != std::string::npos && good_bytes < content.size() && ::ftruncate(fd_, off_t(good_bytes)) != 0)
    throw ConfigError(located(path_, "", "cannot drop the torn last line"));
}

StudyJournal::~StudyJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void StudyJournal::append(const PointRecord& r) {
  const std::string line = frame_journal_line(r.to_json().dump());
  if (!write_all(fd_, line) || ::fsync(fd_) != 0)
    throw ConfigError(located(path_, "", "cannot append to the journal (disk full?)"));
}

}  // namespace lvsim
