#include "sim/study/study_journal.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <tuple>

#include <fcntl.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/input_file.h"
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
  auto get_index = [&](const char* key) {
    const int64_t x = get_int(key);
    if (x < 0 || x > INT32_MAX) throw FormatError(located(origin, key, "index " + std::to_string(x) + " out of range"));
    return int(x);
  };
  r.network = get_index("network");
  r.value = get_index("value");
  r.chip = get_index("chip");
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

void check_point_record(const PointRecord& r, const JournalBounds& b, const std::string& origin) {
  auto fail = [&](const char* field, const std::string& what) { throw FormatError(located(origin, field, what)); };
  auto in_range = [&](const char* field, int64_t x, int64_t lo, int64_t hi) {
    if (x < lo || x > hi)
      fail(field, "value " + std::to_string(x) + " out of range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "] for this study; delete the journal to start the study anew");
  };
  in_range("network", r.network, 0, int64_t(b.networks.size()) - 1);
  in_range("value", r.value, 0, b.values - 1);
  in_range("chip", r.chip, 0, b.chips - 1);
  const JournalBounds::Network& n = b.networks[size_t(r.network)];
  in_range("images", r.images, b.images, b.images);
  in_range("correct", r.correct, 0, r.images);
  in_range("robust_wrong", r.robust_wrong, r.images - r.correct, r.images);  // every error is a robust error
  in_range("bits_stored", r.bits_stored, n.bits_stored, n.bits_stored);
  in_range("bit_errors", r.bit_errors, 0, r.bits_stored);
  in_range("weights_changed", r.weights_changed, 0, std::min(n.weights, r.bit_errors));
  in_range("failing_cells", r.failing_cells, 0, b.cells);
  in_range("faulty_words", r.faulty_words, 0, b.cells);
  for (const auto& [field, x] : {std::pair{"ecc_corrected", r.ecc_corrected}, std::pair{"ecc_detected", r.ecc_detected},
                                 std::pair{"ecc_silent", r.ecc_silent}})
    in_range(field, x, 0, b.cells);
  in_range("transient_bit_errors", r.transient_bit_errors, 0, INT64_MAX);
  if (r.value == 0 && r.weights_as_previous_value)
    fail("weights_as_previous_value", "true at the first swept value, which has no previous value");
  for (size_t w = 0; w < r.zero_operand_macs_by_weight_bits.size(); ++w) {
    const int64_t per_image = n.macs_by_weight_bits[w];
    // MACs of all images, saturated (images and MACs per image are each below 2^62).
    const int64_t all = per_image && r.images > INT64_MAX / per_image ? INT64_MAX : per_image * r.images;
    in_range("zero_operand_macs_by_weight_bits", r.zero_operand_macs_by_weight_bits[w], 0, all);
  }
}

StudyJournal::StudyJournal(std::string path, const std::string& fingerprint, const nlohmann::json& study,
                           const JournalBounds& bounds)
    : path_(std::move(path)) {
  namespace fs = std::filesystem;
  std::string content;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path_, ec);
  if (!ec && fs::exists(st)) {
    // An input like any other: a FIFO would block, /dev/zero never end, a directory not read.
    if (fs::is_symlink(st)) throw ConfigError(located(path_, "", "not a regular file (a link)"));
    content = read_input_file(path_, kMaxJournalBytes);
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
    lines.push_back(std::move(text));
    good_bytes = nl + 1;
    start = nl + 1;
  }
  const size_t content_bytes = content.size();
  content = std::string();  // the lines hold what is needed
  if (!lines.empty()) {
    nlohmann::json header = nlohmann::json::parse(lines[0], nullptr, false);
    if (header.is_discarded() || !header.is_object() || header.value("format", "") != kFormat)
      throw FormatError(located(path_, "format", "not an lvsim study journal"));
    if (header.value("fingerprint", "") != fingerprint)
      throw ConfigError(located(path_, "fingerprint",
                                "journal of another study (networks, data, hardware or study options differ); "
                                "use another --out directory or delete the journal"));
    header_ok = true;
    std::map<std::tuple<int, int, int>, std::pair<size_t, size_t>> seen;  // point -> (line, index in finished_)
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::string origin = path_ + ": line " + std::to_string(i + 1);
      const nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
      if (j.is_discarded()) throw FormatError(located(origin, "", "not JSON"));
      const PointRecord r = PointRecord::from_json(j, origin);
      check_point_record(r, bounds, origin);
      const auto [it, added] = seen.emplace(std::tuple{r.network, r.value, r.chip}, std::pair{i + 1, finished_.size()});
      if (added) {
        finished_.push_back(r);
      } else if (!(finished_[it->second.second] == r)) {
        throw FormatError(located(origin, "",
                                  "a second, different result for the point of line " +
                                      std::to_string(it->second.first) +
                                      "; delete the journal to start the study anew"));
      }
    }
  }
  if (!header_ok) {
    const nlohmann::json header = {{"format", kFormat}, {"version", 1}, {"fingerprint", fingerprint}, {"study", study}};
    write_file_atomically(path_, frame_journal_line(header.dump()));
    good_bytes = std::string::npos;
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd_ < 0) throw ConfigError(located(path_, "", "cannot open the journal for appending"));
  if (good_bytes != std::string::npos && good_bytes < content_bytes && ::ftruncate(fd_, off_t(good_bytes)) != 0)
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
