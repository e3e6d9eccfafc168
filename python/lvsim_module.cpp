// The `lvsim._lvsim` extension: thin faces over the library the command line uses (sim/cli/run.h,
// sim/study/sweep.h, sim/study/explore.h, sim/cli/chip_command.h, sim/cli/import_command.h). Each function fills the
// same typed options struct the CLI fills and calls the same C++ function, with the GIL released
// while it simulates; results come back as the same JSON texts the CLI writes (parsed in
// python/lvsim/__init__.py) plus the per-image vectors as NumPy arrays. Keyword arguments,
// defaults and docstrings are in __init__.py; this file converts and calls.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.h"
#include "sim/cli/chip_command.h"
#include "sim/cli/import_command.h"
#include "sim/cli/option_values.h"
#include "sim/cli/run.h"
#include "sim/cli/run_option_table.h"
#include "sim/cli/sensitivity_command.h"
#include "sim/cli/topology_run.h"
#include "sim/report/sensitivity_outputs.h"
#include "sim/study/explore.h"
#include "sim/study/study_comm.h"
#include "sim/study/sweep.h"
#include "sim/version.h"
#include "workloads/import/calibration.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/network_json.h"

namespace py = pybind11;

namespace {

// The exception classes defined in __init__.py (lvsim.InvalidInputError, lvsim.MissingFileError),
// registered once at import; the translator raises them with the CLI's message.
py::object g_invalid_input, g_missing_file;

void translate_user_errors(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const lvsim::UserError& e) {
    const bool missing = dynamic_cast<const lvsim::MissingInput*>(&e) != nullptr;
    const py::object& cls = missing ? g_missing_file : g_invalid_input;
    if (!cls) throw;
    PyErr_SetString(cls.ptr(), e.what());
  }
}

/// A network in memory: loaded from a file, imported from ONNX, or exported from PyTorch.
struct PyNetwork {
  std::shared_ptr<const lvsim::Network> net;
  std::optional<nlohmann::json> uncalibrated_doc;  // imported without calibration data (saved as is)
};

std::shared_ptr<PyNetwork> wrap(lvsim::ImportedNetwork&& imported) {
  auto p = std::make_shared<PyNetwork>();
  p->net = std::make_shared<const lvsim::Network>(std::move(imported.net));
  p->uncalibrated_doc = std::move(imported.uncalibrated_doc);
  return p;
}

std::shared_ptr<PyNetwork> py_load_network(const std::filesystem::path& path) {
  auto p = std::make_shared<PyNetwork>();
  py::gil_scoped_release nogil;
  p->net = std::make_shared<const lvsim::Network>(lvsim::load_network(path.string()));
  return p;
}

void py_save_network(const PyNetwork& n, const std::filesystem::path& path) {
  py::gil_scoped_release nogil;
  if (n.uncalibrated_doc)
    lvsim::save_imported_network({*n.net, n.uncalibrated_doc, 0}, path.string());
  else
    lvsim::save_network(*n.net, path.string());
}

py::list network_layers(const PyNetwork& n) {
  py::list out;
  for (const lvsim::Layer& l : n.net->layers) {
    py::dict d;
    d["name"] = l.name;
    d["type"] = lvsim::layer_type_name(l.type);
    d["input_shape"] = py::make_tuple(l.in_shape.c, l.in_shape.h, l.in_shape.w);
    d["output_shape"] = py::make_tuple(l.out_shape.c, l.out_shape.h, l.out_shape.w);
    d["macs_per_image"] = l.macs();
    d["weights"] = int64_t(l.weight.stored.size());
    d["weight_bits"] = l.has_parameters() ? l.weight.bits : 0;
    out.append(d);
  }
  return out;
}

py::array_t<int32_t> int_array(const std::vector<int>& v) {
  py::array_t<int32_t> a(py::ssize_t(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

/// The text the command line would receive for a keyword's value: int -> decimal, float -> repr,
/// str as is, os.PathLike -> its path, bool for flags only (nullopt: False, a flag not given).
/// Anything else is refused naming the option, as the option's setter would.
std::optional<std::string> option_text(const lvsim::RunOptionEntry& e, py::handle v) {
  using Kind = lvsim::RunOptionKind;
  static const char* const kExpected[] = {"True or False", "an integer", "a number", "a string", "a path"};
  const auto refuse = [&](const std::string& problem) {
    throw lvsim::ConfigError(std::string("command line: ") + e.cli_name + ": " + problem);
  };
  const std::string type = py::str(py::type::handle_of(v).attr("__name__"));
  const auto wrong_type = [&] { refuse(std::string("expected ") + kExpected[int(e.kind)] + ", got " + type); };
  if (v.is_none()) refuse(e.kind == Kind::Path ? "a path is required, got None" : "a value is required, got None");
  const bool is_bool = PyBool_Check(v.ptr());
  if (e.kind == Kind::Flag) {
    if (!is_bool) wrong_type();
    return v.cast<bool>() ? std::optional<std::string>("") : std::nullopt;
  }
  const bool is_int = !is_bool && PyIndex_Check(v.ptr());
  std::string text;
  if (e.kind == Kind::Integer && is_int) {
    text = py::str(py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr())));
  } else if (e.kind == Kind::Number && (is_int || PyFloat_Check(v.ptr()))) {
    // repr: NaN -> "nan", refused by the option's setter as the command line's "nan" is
    text = is_int ? std::string(py::str(v)) : std::string(py::repr(py::float_(py::reinterpret_borrow<py::object>(v))));
  } else if (e.kind == Kind::Text && py::isinstance<py::str>(v)) {
    text = v.cast<std::string>();
    if (text.find('\0') != std::string::npos) refuse("the text holds a NUL character");
  } else if (e.kind == Kind::Path && (py::isinstance<py::str>(v) || py::hasattr(v, "__fspath__"))) {
    const py::object path = py::module_::import("os").attr("fspath")(v);
    if (!py::isinstance<py::str>(path))
      refuse("expected a text path, got " + std::string(py::str(py::type::handle_of(path).attr("__name__"))));
    text = path.cast<std::string>();  // a NUL is refused by the option's setter
  } else {
    wrong_type();
  }
  return text;
}

/// lvsim.run's keywords applied, in the table's order, as the command line applies its options.
lvsim::RunArguments run_arguments(const py::dict& options) {
  for (const auto& item : options) {
    const std::string key = py::str(item.first);
    if (!lvsim::run_option_by_keyword(key))
      throw lvsim::ConfigError("run: " + key + ": unknown keyword (the keywords are lvsim.run's)");
  }
  lvsim::RunArguments a;
  for (const lvsim::RunOptionEntry& e : lvsim::run_option_table()) {
    if (!e.keyword || !options.contains(e.keyword)) continue;
    if (const std::optional<std::string> text = option_text(e, options[e.keyword])) lvsim::set_run_option(a, e, *text);
  }
  return a;
}

/// Runs and returns (report JSON text without the per-image arrays, predictions,
/// predictions_clean, labels). The JSON object is the CLI's `--json` report minus those three keys.
/// `network`: a Network, or None when options["network"] names the file.
py::tuple py_run(const std::shared_ptr<PyNetwork>& network, const py::dict& options) {
  lvsim::RunArguments a = run_arguments(options);
  lvsim::RunOptions& o = a.options;
  if (network) {
    o.network = network->net;
    if (o.network_path.empty()) o.network_path = network->net->source_file;
  }
  lvsim::finish_run_arguments(a);
  // SystemC elaborates one netlist per process: a second cycle-mode run would abort the interpreter.
  static bool cycle_mode_used = false;
  if (o.mode == lvsim::RunMode::Cycle && cycle_mode_used)
    throw lvsim::ConfigError("mode: cycle: SystemC simulates once per process; run it in a new process");
  if (o.mode == lvsim::RunMode::Cycle) cycle_mode_used = true;
  std::string text;
  lvsim::RunReport rep;
  {
    py::gil_scoped_release nogil;
    rep = lvsim::run(o);
    nlohmann::json j = rep.to_json();
    j.erase("predictions");
    j.erase("predictions_clean");
    j.erase("labels");
    text = j.dump();
  }
  return py::make_tuple(text, int_array(rep.predictions), int_array(rep.predictions_clean), int_array(rep.labels));
}

/// `lvsim run --topology`: the report's JSON text (the --json output) and the COMPUTE_REPORT CSV.
py::tuple py_run_topology(const py::object& topology, const py::dict& options) {
  lvsim::RunArguments a = run_arguments(options);
  const lvsim::RunOptionEntry& entry = *lvsim::run_option_by_cli_name("--topology");
  lvsim::set_run_option(a, entry, *option_text(entry, topology));
  if (a.topology_path.empty()) throw lvsim::ConfigError("command line: --topology: a path is required");
  lvsim::finish_run_arguments(a);
  lvsim::TopologyReport rep;
  {
    py::gil_scoped_release nogil;
    rep = lvsim::run_topology(a.options, a.topology_path);
  }
  return py::make_tuple(rep.json.dump(), rep.compute_report_csv);
}

/// The keywords lvsim.run takes (the table's): tests compare them with its signature.
std::vector<std::string> run_option_keywords() {
  std::vector<std::string> names;
  for (const lvsim::RunOptionEntry& e : lvsim::run_option_table())
    if (e.keyword) names.push_back(e.keyword);
  return names;
}

/// Wraps a Python progress callable: called with the GIL held; a Python exception stops the work.
std::function<void(int64_t, int64_t)> progress_function(const py::object& progress) {
  if (progress.is_none()) return {};
  return [progress](int64_t done, int64_t total) {
    py::gil_scoped_acquire gil;
    progress(done, total);
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C in a notebook
  };
}

// `lvsim sensitivity`: the same command-line struct, spec builder and map; the JSON document back.
std::string py_sensitivity(const std::string& network, const std::string& data, std::optional<double> voltage,
                           std::optional<double> ber, const std::string& chips, std::optional<int64_t> images,
                           const std::string& by, const std::string& arch, const std::string& tech,
                           const std::string& ber_model, std::optional<double> stuck_at_1_fraction,
                           const std::string& mode, int threads) {
  lvsim::SensitivityCommandLine cl;
  cl.inputs.networks = {network};
  cl.inputs.data_dir = data;
  cl.voltage_v = voltage;
  cl.ber = ber;
  cl.inputs.chips = chips;
  cl.inputs.images = images;
  cl.by = by;
  cl.inputs.arch_path = arch;
  cl.inputs.tech_path = tech;
  cl.inputs.ber_model = ber_model;
  cl.inputs.stuck_at_1_fraction = stuck_at_1_fraction;
  cl.inputs.mode = mode;
  cl.inputs.threads = threads;
  py::gil_scoped_release nogil;
  const lvsim::SensitivitySpec spec = lvsim::sensitivity_spec(cl);
  return lvsim::sensitivity_json(lvsim::run_sensitivity(spec, threads)).dump(2) + "\n";
}

py::dict py_sweep(const std::string& study_text, const std::string& origin, const std::string& out, int threads,
                  bool quiet, bool reuse, const py::object& progress) {
  lvsim::StudyExecution exec;
  exec.out_dir = out;
  exec.threads = threads;
  exec.quiet = quiet;
  exec.reuse = reuse;
  exec.on_progress = progress_function(progress);
  lvsim::SweepOutcome r;
  {
    py::gil_scoped_release nogil;
    // A path reads the file as `lvsim sweep --study` does; a dict comes as its JSON text.
    lvsim::StudySpec spec =
        study_text.empty() ? lvsim::read_study_file(origin) : lvsim::study_from_text(study_text, origin);
    spec.validate(origin);
    const std::unique_ptr<lvsim::StudyComm> comm = lvsim::make_single_process_comm();
    r = lvsim::run_sweep(spec, exec, *comm);
  }
  py::dict d;
  d["points_json"] = r.points_json;
  d["summary_json"] = r.summary_json;
  d["summary_text"] = r.summary_text;
  d["out_dir"] = r.out_dir;
  d["points"] = r.points;
  d["computed"] = r.computed;
  d["from_journal"] = r.from_journal;
  d["reused_clean"] = r.reused_clean;
  d["reused_previous"] = r.reused_previous;
  d["wall_time_s"] = r.wall_time_s;
  return d;
}

py::dict py_explore(const std::string& text, const std::string& origin, const std::string& out, int threads, bool force,
                    const py::object& progress) {
  lvsim::StudyExecution exec;
  exec.out_dir = out;
  exec.threads = threads;
  exec.quiet = true;
  exec.on_progress = progress_function(progress);
  lvsim::ExploreOutcome r;
  {
    py::gil_scoped_release nogil;
    lvsim::ExploreSpec spec =
        text.empty() ? lvsim::read_exploration_file(origin) : lvsim::exploration_from_text(text, origin);
    spec.force = spec.force || force;
    spec.validate(origin);
    const std::unique_ptr<lvsim::StudyComm> comm = lvsim::make_single_process_comm();
    r = lvsim::run_explore(spec, exec, *comm);
  }
  py::dict d;
  d["points_json"] = r.points_json;
  d["points"] = r.points;
  d["feasible"] = r.feasible;
  d["rows"] = r.rows;
  d["wall_time_s"] = r.wall_time_s;
  return d;
}

/// `lvsim chip`: the --json report text (and the export when export_path is given).
std::string py_chip(const std::string& arch, const std::string& tech, uint64_t seed,
                    const std::vector<double>& voltages, std::optional<double> voltage, const std::string& export_path,
                    std::optional<double> export_voltage) {
  lvsim::ChipCommandOptions o;
  o.arch_path = arch;
  o.tech_path = tech;
  o.chip_seed = seed;
  o.voltages_v = voltages;
  o.voltage_v = voltage;
  o.export_path = export_path;
  o.export_voltage_v = export_voltage;
  py::gil_scoped_release nogil;
  return lvsim::run_chip_command(o).json.dump(2);
}

/// `lvsim import`: from a file, or from the bytes of a model exported in memory (`origin` names it).
std::shared_ptr<PyNetwork> py_import_onnx(const std::string& path, std::optional<py::bytes> model_bytes,
                                          std::optional<int> bits, const std::string& granularity,
                                          const std::string& symmetry, const std::string& storage,
                                          const std::string& rounding, std::optional<double> clip,
                                          std::optional<double> pixel_scale, const std::vector<double>& mean,
                                          const std::vector<double>& std_dev, const std::string& name,
                                          const std::string& calib_data, int64_t calib_images, const std::string& calib,
                                          int threads) {
  lvsim::ImportCommandOptions o;
  o.model_path = path;
  o.onnx.weight_scheme = lvsim::weight_scheme_from_options(bits, granularity, symmetry, storage, rounding, clip);
  o.onnx.pixel_scale = pixel_scale;
  o.onnx.mean = mean;
  o.onnx.std = std_dev;
  o.onnx.name = name;
  o.calib.data = calib_data;
  o.calib.images = calib_images;
  o.calib.method = lvsim::calibration_method_from_name(calib, "--calib");
  o.calib.threads = threads;
  std::optional<std::string> bytes;
  if (model_bytes) bytes = std::string(*model_bytes);
  py::gil_scoped_release nogil;
  return wrap(lvsim::import_model(o, bytes ? &*bytes : nullptr));
}

}  // namespace

// SystemC's shared library defines main() calling sc_main(); lvsim's command line provides it
// (sim/cli/main.cpp). The interpreter loads libsystemc with every symbol bound, so the module gives
// one that is never called.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) {
  return 1;
}

PYBIND11_MODULE(_lvsim, m) {
  m.doc() = "lvsim's C++ library (use the `lvsim` package, not this module)";
  m.attr("__version__") = lvsim::kVersion;
  py::register_exception_translator(&translate_user_errors);
  m.def("_set_error_classes", [](py::object invalid_input, py::object missing_file) {
    g_invalid_input = std::move(invalid_input);
    g_missing_file = std::move(missing_file);
  });
  // The stored classes must go before the interpreter finalizes.
  m.add_object("_cleanup", py::capsule([] {
                 g_invalid_input = py::object();
                 g_missing_file = py::object();
               }));

  py::class_<PyNetwork, std::shared_ptr<PyNetwork>>(m, "Network", "A quantized network in memory")
      .def_property_readonly("name", [](const PyNetwork& n) { return n.net->name; })
      .def_property_readonly("source_file", [](const PyNetwork& n) { return n.net->source_file; })
      .def_property_readonly("input_shape",
                             [](const PyNetwork& n) {
                               return py::make_tuple(n.net->input_shape.c, n.net->input_shape.h, n.net->input_shape.w);
                             })
      .def_property_readonly("layers", &network_layers, "Layers as dicts (name, type, shapes, MACs, weights)")
      .def_property_readonly("macs_per_image", [](const PyNetwork& n) { return n.net->total_macs(); })
      .def_property_readonly("weights", [](const PyNetwork& n) { return n.net->total_weights(); })
      .def_property_readonly("needs_calibration", [](const PyNetwork& n) { return lvsim::needs_calibration(*n.net); })
      .def("save", &py_save_network, py::arg("path"),
           "Writes the network file (atomically) as `lvsim import` / `lvsim calibrate` would")
      .def("__repr__", [](const PyNetwork& n) {
        return "<lvsim.Network " + n.net->name + ": " + std::to_string(n.net->layers.size()) + " layers, " +
               std::to_string(n.net->total_weights()) + " weights>";
      });

  // The command line's option checks (sim/cli/option_values.h): the Python API validates with them.
  m.def("_positive_integer", &lvsim::parse_positive_integer, py::arg("text"), py::arg("option"));
  m.def("_seed", &lvsim::parse_seed_option, py::arg("text"), py::arg("option"));
  m.def("_check_path", &lvsim::check_path_option, py::arg("path"), py::arg("option"), py::arg("required"));
  m.def("_voltage_list", &lvsim::parse_voltage_list, py::arg("text"), py::arg("option"));
  m.def("load_network", &py_load_network, py::arg("path"));
  m.def("run", &py_run, py::arg("network"), py::arg("options"));
  m.def("run_topology", &py_run_topology, py::arg("topology"), py::arg("options"));
  m.def("_run_option_names", &run_option_keywords);
  m.def("_run_option_cli_names", [] {
    std::vector<std::string> names;
    for (const lvsim::RunOptionEntry& e : lvsim::run_option_table()) names.push_back(e.cli_name);
    return names;
  });
  m.def("sensitivity", &py_sensitivity, py::arg("network"), py::arg("data"), py::arg("voltage"), py::arg("ber"),
        py::arg("chips"), py::arg("images"), py::arg("by"), py::arg("arch"), py::arg("tech"), py::arg("ber_model"),
        py::arg("stuck_at_1_fraction"), py::arg("mode"), py::arg("threads"));
  m.def("sweep", &py_sweep, py::arg("study_text"), py::arg("origin"), py::arg("out"), py::arg("threads"),
        py::arg("quiet"), py::arg("reuse"), py::arg("progress"));
  m.def("explore", &py_explore, py::arg("text"), py::arg("origin"), py::arg("out"), py::arg("threads"),
        py::arg("force"), py::arg("progress"));
  m.def("chip", &py_chip, py::arg("arch"), py::arg("tech"), py::arg("seed"), py::arg("voltages"), py::arg("voltage"),
        py::arg("export_path"), py::arg("export_voltage"));
  m.def("import_onnx", &py_import_onnx, py::arg("path"), py::arg("model_bytes"), py::arg("bits"),
        py::arg("granularity"), py::arg("symmetry"), py::arg("storage"), py::arg("rounding"), py::arg("clip"),
        py::arg("pixel_scale"), py::arg("mean"), py::arg("std"), py::arg("name"), py::arg("calib_data"),
        py::arg("calib_images"), py::arg("calib"), py::arg("threads"));
}
