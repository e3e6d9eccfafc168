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
#include "sim/cli/topology_run.h"
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

/// lvsim.run's options, typed as `lvsim run`'s (the names of the CLI's flags).
struct PyRunArgs {
  std::string network_path;
  std::shared_ptr<PyNetwork> network;
  std::string data, mode = "fast", calib = "min-max", clock_mode = "fixed";
  std::string arch, tech, ber_model, fault_map, compute_report, dump_layers;
  int64_t images = -1, calib_images = 512;
  int threads = 0;
  uint64_t chip_seed = 1;
  std::optional<double> v_sram, v_logic, ber, stuck_cell_fraction, stuck_at_1_fraction;
  std::optional<int> weight_bits;
  double transient_ber = 0;
  bool fault_map_tile = false, robust_error = false;
  std::string norm_params = "sram";
};

/// The options a network run and a topology run share: hardware files, operating point, weight width.
void set_hardware_options(const PyRunArgs& a, lvsim::RunOptions& o) {
  o.arch_path = a.arch;
  o.tech_path = a.tech;
  o.v_sram_v = a.v_sram;
  o.v_logic_v = a.v_logic;
  o.clock_mode = lvsim::clock_mode_from_string(a.clock_mode, "command line", "--clock-mode");
  o.weight_bits = a.weight_bits;
}

/// Runs and returns (report JSON text without the per-image arrays, predictions,
/// predictions_clean, labels). The JSON object is the CLI's `--json` report minus those three keys.
py::tuple py_run(const PyRunArgs& a) {
  // SystemC elaborates one netlist per process: a second cycle-mode run would abort the interpreter.
  static bool cycle_mode_used = false;
  if (a.mode == "cycle" && cycle_mode_used)
    throw lvsim::ConfigError("mode: cycle: SystemC simulates once per process; run it in a new process");
  lvsim::RunOptions o;
  o.network_path = a.network_path;
  if (a.network) {
    o.network = a.network->net;
    if (o.network_path.empty()) o.network_path = a.network->net->source_file;
  }
  o.data_dir = a.data;
  o.images = a.images;
  o.threads = a.threads;
  o.mode = lvsim::run_mode_from_name(a.mode, "mode");
  o.calib_images = a.calib_images;
  o.calib_method = lvsim::calibration_method_from_name(a.calib, "calib");
  set_hardware_options(a, o);
  o.chip_seed = a.chip_seed;
  o.ber = a.ber;
  o.ber_model = a.ber_model;
  o.stuck_cell_fraction = a.stuck_cell_fraction;
  o.stuck_at_1_fraction = a.stuck_at_1_fraction;
  o.fault_map_path = a.fault_map;
  o.fault_map_tile = a.fault_map_tile;
  o.transient_ber = a.transient_ber;
  o.robust_error = a.robust_error;
  if (a.norm_params != "sram" && a.norm_params != "register")
    throw lvsim::ConfigError("norm_params: \"" + a.norm_params + "\" is not sram or register");
  o.norm_params_in_sram = a.norm_params == "sram";
  o.compute_report_path = a.compute_report;
  o.dump_layers_dir = a.dump_layers;
  lvsim::check_run_options(o);
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
py::tuple py_run_topology(const PyRunArgs& a, const std::string& topology) {
  lvsim::RunOptions o;
  set_hardware_options(a, o);
  lvsim::check_run_options(o);
  lvsim::TopologyReport rep;
  {
    py::gil_scoped_release nogil;
    rep = lvsim::run_topology(o, topology);
  }
  return py::make_tuple(rep.json.dump(), rep.compute_report_csv);
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
  py::class_<PyRunArgs>(m, "_RunArgs")
      .def(py::init<>())
      .def_readwrite("network_path", &PyRunArgs::network_path)
      .def_readwrite("network", &PyRunArgs::network)
      .def_readwrite("data", &PyRunArgs::data)
      .def_readwrite("mode", &PyRunArgs::mode)
      .def_readwrite("calib", &PyRunArgs::calib)
      .def_readwrite("clock_mode", &PyRunArgs::clock_mode)
      .def_readwrite("arch", &PyRunArgs::arch)
      .def_readwrite("tech", &PyRunArgs::tech)
      .def_readwrite("ber_model", &PyRunArgs::ber_model)
      .def_readwrite("fault_map", &PyRunArgs::fault_map)
      .def_readwrite("compute_report", &PyRunArgs::compute_report)
      .def_readwrite("dump_layers", &PyRunArgs::dump_layers)
      .def_readwrite("images", &PyRunArgs::images)
      .def_readwrite("calib_images", &PyRunArgs::calib_images)
      .def_readwrite("threads", &PyRunArgs::threads)
      .def_readwrite("chip_seed", &PyRunArgs::chip_seed)
      .def_readwrite("v_sram", &PyRunArgs::v_sram)
      .def_readwrite("v_logic", &PyRunArgs::v_logic)
      .def_readwrite("ber", &PyRunArgs::ber)
      .def_readwrite("stuck_cell_fraction", &PyRunArgs::stuck_cell_fraction)
      .def_readwrite("stuck_at_1_fraction", &PyRunArgs::stuck_at_1_fraction)
      .def_readwrite("transient_ber", &PyRunArgs::transient_ber)
      .def_readwrite("weight_bits", &PyRunArgs::weight_bits)
      .def_readwrite("fault_map_tile", &PyRunArgs::fault_map_tile)
      .def_readwrite("robust_error", &PyRunArgs::robust_error)
      .def_readwrite("norm_params", &PyRunArgs::norm_params);
  m.def("run", &py_run, py::arg("args"));
  m.def("run_topology", &py_run_topology, py::arg("args"), py::arg("topology"));
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
