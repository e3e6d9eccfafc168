#include "sim/study/study_spec.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/errors.h"
#include "common/input_file.h"
#include "common/json_reader.h"

namespace lvsim {

namespace {

std::string fmt_double(double x) {
  if (!std::isfinite(x)) return std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf";  // JSON would say null
  nlohmann::json j = x;
  return j.dump();
}

/// Range values are rounded to 1e-9 so 0.9 - 20 * 0.01 is 0.7, not 0.7000000000000001.
double round_nano(double x) {
  return std::round(x * 1e9) / 1e9;
}

std::vector<double> expand_range(double from, double to, double step, const std::string& field) {
  if (!std::isfinite(from) || !std::isfinite(to) || !std::isfinite(step))
    throw ConfigError(field + ": range bounds and step must be finite numbers");
  if (from == to) return {from};
  if (step == 0) throw ConfigError(field + ": step must not be 0");
  if ((to - from) / step < 0)
    throw ConfigError(field + ": empty range: step " + fmt_double(step) + " does not lead from " + fmt_double(from) +
                      " to " + fmt_double(to) + " (reversed range?)");
  // Checked as a double: a tiny step makes the count too large for any integer (1e-300: 2e299).
  if (!((to - from) / step < 100001)) throw ConfigError(field + ": range has more than 100000 values");
  const auto steps = int64_t(std::floor((to - from) / step + 1e-9));
  std::vector<double> v;
  for (int64_t i = 0; i <= steps; ++i) v.push_back(round_nano(from + double(i) * step));
  return v;
}

double parse_number(const std::string& s, const std::string& field) {
  try {
    size_t used = 0;
    const double x = std::stod(s, &used);
    if (used == s.size() && std::isfinite(x)) return x;
  } catch (const std::exception&) {
  }
  throw ConfigError(field + ": expected a number, got \"" + s + "\"");
}

uint64_t parse_seed(const std::string& s, const std::string& field) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 19) return std::stoull(s);
  throw ConfigError(field + ": expected a non-negative integer, got \"" + s + "\"");
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t pos = text.find(sep, start);
    out.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

void read_networks(JsonObject& o, StudySpec& s) {
  const nlohmann::json& arr = o.at("networks");
  if (!arr.is_array() || arr.empty()) o.fail("networks", "must be a non-empty array");
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string path = o.field("networks") + "[" + std::to_string(i) + "]";
    StudyNetwork n;
    if (arr[i].is_string()) {
      n.path = arr[i].get<std::string>();
    } else if (arr[i].is_object()) {
      JsonObject no(arr[i], o.file(), path);
      n.path = no.get_string("file");
      n.name = no.get_string("name", "");
      n.weight_bits = int(no.get_int("weight_bits", 2, 8, 0));
      no.finish();
    } else {
      throw ConfigError(
          located(o.file(), path, "expected a file name or {\"file\": ..., \"name\": ..., \"weight_bits\": ...}"));
    }
    if (n.path.empty()) throw ConfigError(located(o.file(), path, "empty file name"));
    n.path = path_relative_to_file(n.path, o.file());
    s.networks.push_back(n);
  }
}

void read_sweep(JsonObject& o, StudySpec& s) {
  if (!o.has("sweep")) o.fail("sweep", "missing: give {\"v_sram_v\": ...} or {\"ber\": ...}");
  JsonObject sw = o.get_object("sweep");
  const bool has_v = sw.has("v_sram_v"), has_p = sw.has("ber");
  if (has_v == has_p) o.fail("sweep", "give exactly one of v_sram_v (voltages) or ber (bit error rates)");
  const std::string key = has_v ? "v_sram_v" : "ber";
  s.axis = has_v ? StudyAxis::VSram : StudyAxis::Ber;
  const nlohmann::json& v = sw.at(key);
  if (v.is_object()) {
    JsonObject r(v, o.file(), sw.field(key));
    const double from = r.get_double("from", -1e9, 1e9), to = r.get_double("to", -1e9, 1e9);
    const double step = r.get_double("step", -1e9, 1e9);
    r.finish();
    s.values = expand_range(from, to, step, located(o.file(), sw.field(key), ""));
  } else {
    s.values = sw.get_double_array(key, -1e9, 1e9);
  }
  sw.finish();
}

void read_chips(JsonObject& o, StudySpec& s) {
  s.chip_seeds = read_chip_seeds(o, "chips");
}

void read_options(JsonObject& o, StudySpec& s) {
  if (o.has("faults")) {
    JsonObject f = o.get_object("faults");
    s.fault_model = f.get_enum("model", {"chip", "bit_flip", "stuck_at"}, s.fault_model);
    s.stuck_at_1_fraction = f.get_double("stuck_at_1_fraction", 0, 1, s.stuck_at_1_fraction);
    s.transient_ber = f.get_double("transient_ber", 0, 1, 0);
    f.finish();
  } else if (s.axis == StudyAxis::Ber) {
    s.fault_model = "bit_flip";
  }
  if (o.has("max_drop")) s.max_drop = o.get_double_array("max_drop", -1e9, 1e9);
  if (o.has("max_rerr_increase")) s.max_rerr_increase = o.get_double_array("max_rerr_increase", -1e9, 1e9);
  if (o.has("adaptive")) {
    JsonObject a = o.get_object("adaptive");
    s.ci_width = a.get_double("ci_width", -1e9, 1e9);
    s.min_chips = int(a.get_int("min_chips", -1000000, 1000000, s.min_chips));
    a.finish();
  }
  const std::string mode = o.get_enum("mode", {"fast", "golden", "cycle"}, "fast");
  s.mode = mode == "golden" ? RunMode::Golden : mode == "cycle" ? RunMode::Cycle : RunMode::Fast;
  s.norm_params_in_sram = o.get_enum("norm_params", {"sram", "register"}, "sram") == "sram";
  if (o.has("calibration")) {
    JsonObject c = o.get_object("calibration");
    s.calib_images = c.get_int("images", 1, int64_t(1) << 40, s.calib_images);
    s.calib_method =
        calibration_method_from_name(c.get_enum("method", {"min-max", "percentile"}, "min-max"), c.field("method"));
    c.finish();
  }
}

}  // namespace

std::vector<uint64_t> read_chip_seeds(JsonObject& o, const std::string& key) {
  std::vector<uint64_t> seeds;
  JsonObject c = o.get_object(key);
  if (c.has("seeds")) {
    for (int64_t x : c.get_int_array("seeds", 0, 0, int64_t(1) << 62)) seeds.push_back(uint64_t(x));
  } else {
    const int64_t count = c.get_int("count", 1, 1000000);
    const int64_t first = c.get_int("first_seed", 0, int64_t(1) << 62, 1);
    for (int64_t i = 0; i < count; ++i) seeds.push_back(uint64_t(first + i));
  }
  c.finish();
  return seeds;
}

const char* study_axis_name(StudyAxis a) {
  return a == StudyAxis::VSram ? "v_sram_v" : "ber";
}

std::vector<double> parse_value_list(const std::string& text, const std::string& field) {
  if (text.empty()) throw ConfigError(field + ": empty list");
  const std::vector<std::string> parts = split(text, ':');
  if (parts.size() == 3) {
    return expand_range(parse_number(parts[0], field), parse_number(parts[1], field), parse_number(parts[2], field),
                        field);
  }
  if (parts.size() != 1)
    throw ConfigError(field + ": expected FROM:TO:STEP or a comma-separated list, got \"" + text + "\"");
  std::vector<double> v;
  for (const std::string& p : split(text, ',')) v.push_back(parse_number(p, field));
  return v;
}

std::vector<uint64_t> parse_chip_list(const std::string& text, const std::string& field) {
  std::vector<uint64_t> seeds;
  const size_t dots = text.find("..");
  if (dots != std::string::npos) {
    const uint64_t a = parse_seed(text.substr(0, dots), field), b = parse_seed(text.substr(dots + 2), field);
    if (b < a) throw ConfigError(field + ": empty chip range \"" + text + "\" (last < first)");
    if (b - a >= 1000000) throw ConfigError(field + ": more than 1000000 chips");
    for (uint64_t x = a; x <= b; ++x) seeds.push_back(x);
  } else if (text.find(',') != std::string::npos) {
    for (const std::string& p : split(text, ',')) seeds.push_back(parse_seed(p, field));
  } else {
    const uint64_t n = parse_seed(text, field);
    if (n == 0) throw ConfigError(field + ": zero chips: give at least 1");
    if (n > 1000000) throw ConfigError(field + ": more than 1000000 chips");
    for (uint64_t x = 1; x <= n; ++x) seeds.push_back(x);
  }
  return seeds;
}

void StudySpec::validate(const std::string& origin) const {
  auto fail = [&](const std::string& field, const std::string& what) {
    throw ConfigError(located(origin, field, what));
  };
  if (networks.empty()) fail("networks", "no network given");
  if (int64_t(networks.size()) > kStudyMaxNetworks)
    fail("networks", std::to_string(networks.size()) + " networks: more than the limit of " +
                         std::to_string(kStudyMaxNetworks) + " (kStudyMaxNetworks)");
  std::set<std::string> names;
  for (const StudyNetwork& n : networks) {
    if (n.path.empty()) fail("networks", "empty network file name");
    if (!n.name.empty() && !names.insert(n.name).second)
      fail("networks", "two networks are named \"" + n.name + "\": give each a distinct name");
  }
  if (data_dir.empty()) fail("data", "no data set directory given");
  if (images != -1 && images < 1) fail("images", "must be >= 1");
  if (values.empty()) fail(study_axis_name(axis), "no values to sweep");
  for (size_t i = 0; i < values.size(); ++i) {
    const double x = values[i];
    if (!std::isfinite(x)) fail(study_axis_name(axis), "values must be finite");
    if (axis == StudyAxis::VSram && x <= 0) fail("v_sram_v", "voltages must be > 0, got " + fmt_double(x));
    if (axis == StudyAxis::Ber && (x < 0 || x > 1)) fail("ber", "rates must be in [0, 1], got " + fmt_double(x));
    if (i > 0 && values[i] == values[i - 1]) fail(study_axis_name(axis), "value " + fmt_double(x) + " given twice");
    if (i > 0 && (axis == StudyAxis::VSram ? values[i] > values[i - 1] : values[i] < values[i - 1]))
      fail(study_axis_name(axis), "values must be sorted (voltages descending, rates ascending)");
  }
  if (chip_seeds.empty()) fail("chips", "zero chips: give at least 1");
  if (std::set<uint64_t>(chip_seeds.begin(), chip_seeds.end()).size() != chip_seeds.size())
    fail("chips", "a chip seed is given twice");
  if (axis == StudyAxis::VSram && fault_model != "chip")
    fail("faults.model",
         "a voltage sweep uses the technology's bit-cell failure model (\"chip\"), got \"" + fault_model + "\"");
  if (axis == StudyAxis::Ber && fault_model != "bit_flip" && fault_model != "stuck_at")
    fail("faults.model", "a bit error rate sweep needs bit_flip or stuck_at, got \"" + fault_model + "\"");
  if (axis == StudyAxis::VSram && v_sram_v) fail("v_sram_v", "is swept; a fixed V_sram applies to ber sweeps only");
  if (!(stuck_at_1_fraction >= 0 && stuck_at_1_fraction <= 1)) fail("faults.stuck_at_1_fraction", "must be in [0, 1]");
  if (!(transient_ber >= 0 && transient_ber <= 1)) fail("faults.transient_ber", "must be in [0, 1]");
  if (stuck_at_1_fraction != 0.5 && fault_model != "stuck_at")
    fail("faults.stuck_at_1_fraction", "applies to the stuck_at model only");
  std::set<double> drops;
  for (double d : max_drop) {
    if (!(d >= 0 && d <= 1)) fail("max_drop", "thresholds must be in [0, 1], got " + fmt_double(d));
    if (!drops.insert(d).second) fail("max_drop", "threshold " + fmt_double(d) + " given twice");
  }
  std::set<double> increases;
  for (double d : max_rerr_increase) {
    if (!(d >= 0 && d <= 1)) fail("max_rerr_increase", "thresholds must be in [0, 1], got " + fmt_double(d));
    if (!increases.insert(d).second) fail("max_rerr_increase", "threshold " + fmt_double(d) + " given twice");
  }
  if (ci_width) {
    if (!(*ci_width > 0 && *ci_width < 1)) fail("adaptive.ci_width", "must be in (0, 1)");
    if (min_chips < 2) fail("adaptive.min_chips", "must be >= 2 (a confidence interval needs two chips)");
    if (size_t(min_chips) > chip_seeds.size())
      fail("adaptive.min_chips", "is larger than the number of chips (" + std::to_string(chip_seeds.size()) + ")");
  }
  if (calib_images < 1) fail("calibration.images", "must be >= 1");
  // networks <= 64, values <= 2^27 (a 256 MiB file), chips <= 10^6: the product fits in int64.
  const int64_t points = int64_t(networks.size()) * int64_t(values.size()) * int64_t(chip_seeds.size());
  if (points > kStudyMaxPoints)
    fail("chips", "the study has " + std::to_string(points) +
                      " points (networks x values x chips), more than the limit of " + std::to_string(kStudyMaxPoints) +
                      " (kStudyMaxPoints)");
}

nlohmann::json StudySpec::to_json() const {
  nlohmann::json j;
  j["networks"] = nlohmann::json::array();
  for (const StudyNetwork& n : networks) {
    j["networks"].push_back({{"name", n.name}, {"file", n.path}});
    if (n.weight_bits)
      j["networks"].back()["weight_bits"] = n.weight_bits;  // absent: the file's (fingerprints unchanged)
  }
  j["data"] = data_dir;
  j["images"] = images;
  j["architecture"] = !arch_json.is_null() ? arch_json
                      : arch_path.empty()  ? nlohmann::json("built-in edge-16x16")
                                           : nlohmann::json(arch_path);
  j["technology"] = tech_path.empty() ? nlohmann::json("built-in 45nm") : nlohmann::json(tech_path);
  j["v_logic_v"] = v_logic_v ? nlohmann::json(*v_logic_v) : nlohmann::json();
  j["v_sram_v"] = v_sram_v ? nlohmann::json(*v_sram_v) : nlohmann::json();
  j["axis"] = study_axis_name(axis);
  j["values"] = values;
  j["chips"] = chip_seeds;
  j["fault_model"] = fault_model;
  j["stuck_at_1_fraction"] = stuck_at_1_fraction;
  j["transient_ber"] = transient_ber;
  j["max_drop"] = max_drop;
  j["max_rerr_increase"] = max_rerr_increase;
  j["ci_width"] = ci_width ? nlohmann::json(*ci_width) : nlohmann::json();
  j["min_chips"] = min_chips;
  j["mode"] = run_mode_name(mode);
  j["calibration"] = {{"images", calib_images},
                      {"method", calib_method == CalibrationMethod::MinMax ? "min-max" : "percentile"}};
  if (!norm_params_in_sram) j["norm_params"] = "register";  // absent: in the SRAM (fingerprints unchanged)
  return j;
}

void sort_study_values(StudySpec& s) {
  if (s.axis == StudyAxis::VSram)
    std::sort(s.values.begin(), s.values.end(), std::greater<>());
  else
    std::sort(s.values.begin(), s.values.end());
}

StudySpec read_study_file(const std::string& path) {
  return study_from_text(read_input_file(path, kMaxConfigFileBytes), path);
}

StudySpec study_from_text(const std::string& text, const std::string& path) {
  const nlohmann::json j = parse_json_text(text, path);
  JsonObject o(j, path, "");
  const std::string format = o.get_string("format");
  if (format != "lvsim-study") o.fail("format", "expected \"lvsim-study\", got \"" + format + "\"");
  o.get_int("version", 1, 1);
  StudySpec s;
  read_networks(o, s);
  JsonObject d = o.get_object("data");
  s.data_dir = path_relative_to_file(d.get_string("dir"), path);
  s.images = d.get_int("images", 1, int64_t(1) << 40, -1);
  d.finish();
  for (const auto& [key, target] : {std::pair{"architecture", &s.arch_path}, std::pair{"technology", &s.tech_path}}) {
    if (!o.has(key)) continue;  // absent: the built-in preset; an empty name is not a way to say so
    *target = o.get_string(key);
    if (target->empty()) o.fail(key, "empty file name (leave the key out for the built-in preset)");
    *target = path_relative_to_file(*target, path);
  }
  if (o.has("v_logic_v")) s.v_logic_v = o.get_double("v_logic_v", 0, 100);
  if (o.has("v_sram_v")) s.v_sram_v = o.get_double("v_sram_v", 0, 100);
  read_sweep(o, s);
  read_chips(o, s);
  read_options(o, s);
  o.finish();
  sort_study_values(s);
  return s;
}

}  // namespace lvsim
