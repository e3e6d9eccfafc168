"""lvsim from Python: run, sweep, explore, import and inspect chips without files or subprocesses.

Every function is a thin face over the C++ library the command line uses (the same options struct,
the same function, the same report keys), so results are byte-identical to `lvsim run --json`,
`lvsim sweep` and `lvsim explore` for the same inputs. The GIL is released while simulating.
Guide: docs/python.md.

    import lvsim
    r = lvsim.run("workloads/networks/fmnist-cnn.json", "/usr/share/datasets/fashion-mnist", images=1000)
    r.accuracy, r.predictions[:10], r.layers["cycles"]

Bad input raises lvsim.InvalidInputError (a ValueError) or lvsim.MissingFileError (a
FileNotFoundError), both lvsim.Error, with the command line's one-line message.
"""

import json as _json
import math as _math
import os as _os
import sys as _sys
import tempfile as _tempfile

import numpy as _np

from . import _lvsim
from ._lvsim import Network

__version__ = _lvsim.__version__
__all__ = ["run", "run_topology", "sweep", "sensitivity", "explore", "load_network", "import_onnx", "from_torch", "chip", "Chip", "Network",
           "RunResult", "TopologyResult", "StudyResult", "Error", "InvalidInputError", "MissingFileError", "table"]


class Error(Exception):
    """Base of every error lvsim raises for bad input; str() is the command line's message."""


class InvalidInputError(Error, ValueError):
    """Bad input: malformed files, unknown keys, impossible configurations (CLI exit code 2)."""


class MissingFileError(Error, FileNotFoundError):
    """An input file or directory that does not exist (CLI exit code 2)."""


_lvsim._set_error_classes(InvalidInputError, MissingFileError)


# ---- tables -----------------------------------------------------------------------------------

def _flatten(row, prefix=""):
    out = {}
    for k, v in row.items():
        if isinstance(v, dict):
            out.update(_flatten(v, prefix + k + "_"))
        else:
            out[prefix + k] = v
    return out


def _column_dtype(values):
    present = [v for v in values if v is not None]
    if not present:
        return _np.float64, None
    if all(isinstance(v, bool) for v in present):
        return _np.bool_, None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present) and len(present) == len(values):
        return _np.int64, None
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return _np.float64, None
    if all(isinstance(v, str) for v in present):
        return "U%d" % max(1, max(len(v) for v in present)), None
    if all(isinstance(v, list) for v in present) and len({len(v) for v in present}) == 1:
        inner, _ = _column_dtype([x for v in present for x in v])
        return inner, (len(present[0]),)
    return object, None


def table(rows):
    """A list of dicts (nested dicts flattened as parent_child) as a NumPy structured array.

    Integer columns stay int64, numbers with gaps (None) become float64 with NaN, strings become
    fixed-width unicode, equal-length lists become subarrays: `pandas.DataFrame(table(rows))` works
    without lvsim needing pandas.
    """
    flat = [_flatten(r) for r in rows]
    names = []
    for r in flat:
        for k in r:
            if k not in names:
                names.append(k)
    fields, columns = [], []
    for n in names:
        col = [r.get(n) for r in flat]
        dt, shape = _column_dtype(col)
        if dt is _np.float64:
            col = [_np.nan if v is None else v for v in col]
        fields.append((n, dt, shape) if shape else (n, dt))
        columns.append(col)
    out = _np.empty(len(flat), dtype=fields)
    for (n, *_), col in zip(fields, columns):
        if len(col):
            out[n] = col
    return out


class _Report:
    """Attribute access to a report's keys (r.accuracy is r["accuracy"])."""

    def __init__(self, report):
        object.__setattr__(self, "_report", report)

    def __getattr__(self, key):
        try:
            return self._report[key]
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key):
        return self._report[key]

    def __contains__(self, key):
        return key in self._report

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._report))

    def keys(self):
        return self._report.keys()


class RunResult(_Report):
    """One run: every key of `lvsim run --json` as an attribute (docs/report.md); predictions,
    predictions_clean and labels as NumPy int32 arrays; layers as a structured array (one row per
    layer, nested objects flattened as parent_child)."""

    def __init__(self, report, predictions, predictions_clean, labels):
        report = dict(report)
        layers = report.get("layers", [])
        report["predictions"], report["predictions_clean"], report["labels"] = predictions, predictions_clean, labels
        super().__init__(report)
        object.__setattr__(self, "layer_list", layers)
        report["layers"] = table(layers)

    def to_dict(self):
        """The report as `lvsim run --json` prints it (lists instead of arrays)."""
        d = dict(self._report)
        d["layers"] = self.layer_list
        for k in ("predictions", "predictions_clean", "labels"):
            d[k] = d[k].tolist()
        return d

    def __repr__(self):
        return (f"<lvsim.RunResult {self._report['network']}: {self._report['images']} images, accuracy "
                f"{self._report['accuracy']:.4f} (clean {self._report['accuracy_clean']:.4f})>")


class StudyResult:
    """A sweep's or an exploration's results: `points` (list of dicts, as points.json), `summary`
    (sweep: summary.json), `to_dicts()`, `to_numpy()` (structured array), `out_dir` (None when the
    outputs went to a temporary directory), and the run's counters in `outcome`."""

    def __init__(self, points_doc, summary, summary_text, out_dir, outcome):
        self.document = points_doc
        self.points = points_doc["points"]
        self.summary = summary
        self.summary_text = summary_text
        self.out_dir = out_dir
        self.outcome = outcome

    def to_dicts(self):
        return list(self.points)

    def to_numpy(self):
        return table(self.points)

    def summary_numpy(self):
        """Sweep: the summary's per-(network, value) rows as a structured array."""
        return table(self.summary["points"]) if self.summary else None

    def __len__(self):
        return len(self.points)

    def __repr__(self):
        return f"<lvsim.StudyResult {len(self.points)} rows>"


# ---- argument checks of sweep, explore, import and chip (run's are the run option table's:
# sim/cli/run_option_table.h) ----------------------------------------------------------------------

def _integer_text(value, option):
    """The text of an integer argument, as the command line would receive it; other types refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"command line: {option}: expected an integer, got {type(value).__name__}")
    return str(value)


def _positive(value, option):
    if value is None:
        return None
    return _lvsim._positive_integer(_integer_text(value, option), option)


def _seed(value, option="--chip-seed"):
    return _lvsim._seed(_integer_text(value, option), option)


def _one_of(value, option, choices):
    if value not in choices:
        raise InvalidInputError(f"command line: {option}: {value} not in {{{','.join(choices)}}}")
    return value


def _path(value, option, required=False):
    if value is None:
        if required:
            raise InvalidInputError(f"command line: {option}: a path is required, got None")
        return ""
    if not isinstance(value, (str, _os.PathLike)):
        raise InvalidInputError(f"command line: {option}: expected a path, got {type(value).__name__}")
    path = _os.fspath(value)
    if not isinstance(path, str):
        raise InvalidInputError(f"command line: {option}: expected a text path, got {type(path).__name__}")
    _lvsim._check_path(path, option, required)
    return path


def _voltages(values, option="--voltages"):
    """A list of voltages checked as the command line's list (no empty list, finite numbers)."""
    items = [values] if _np.ndim(values) == 0 else list(_np.asarray(values, dtype=object).ravel())
    for v in items:
        if isinstance(v, (bool, _np.bool_)) or not isinstance(v, (int, float, _np.integer, _np.floating)):
            raise InvalidInputError(f"command line: {option}: expected numbers, got {type(v).__name__}")
    return _lvsim._voltage_list(",".join(repr(float(v)) for v in items), option)


# ---- networks -----------------------------------------------------------------------------------

def load_network(path):
    """A network file (lvsim-network JSON) or ONNX model, loaded as `lvsim run --network` loads it."""
    return _lvsim.load_network(_path(path, "--network", required=True))


def import_onnx(path, *, bits=None, granularity=None, symmetry=None, storage=None, rounding=None, clip=None,
                pixel_scale=None, mean=None, std=None, name=None, calib_data=None, calib_images=512,
                calib="min-max", threads=None):
    """An ONNX model imported as `lvsim import` does (docs/importing-models.md): float weights
    quantized at `bits` (robust scheme unless granularity/symmetry/storage/rounding/clip say
    otherwise), preprocessing from pixel_scale/mean/std or the model's metadata, and calibrated on
    calib_data's training split when given (else calibrated by run on its data set)."""
    return _import(_path(path, "model", required=True), None, bits, granularity, symmetry, storage, rounding, clip, pixel_scale,
                   mean, std, name, calib_data, calib_images, calib, threads)


def _import(path, model_bytes, bits, granularity, symmetry, storage, rounding, clip, pixel_scale, mean, std, name,
            calib_data, calib_images, calib, threads):
    if bits is not None and (isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8):
        raise InvalidInputError(f"command line: --bits: {bits} not in [2 - 8]")
    _one_of(calib, "--calib", ["min-max", "percentile"])
    return _lvsim.import_onnx(path, model_bytes, bits, granularity or "", symmetry or "", storage or "",
                              rounding or "", clip, pixel_scale, list(mean or []), list(std or []), name or "",
                              _path(calib_data, "--calib-data"), _positive(calib_images, "--calib-images") or 512, calib,
                              _positive(threads, "--threads") or 0)


def from_torch(module, example_input, *, preprocess=None, calib=None, bits=8, granularity=None, symmetry=None,
               storage=None, rounding=None, clip=None, calib_images=512, calib_method="min-max", name=None,
               threads=None, opset=13):
    """A PyTorch model as an lvsim network, through the ONNX import path (no file written).

    The module is exported with torch.onnx.export (as tools/torch/export.py does) into memory and
    imported by lvsim's ONNX importer. `preprocess` maps raw 8-bit pixels to the model's input:
    {"pixel_scale": 1/255, "mean": [...], "std": [...]} (per channel). `calib` is a data set
    (IDX directory or .npz) whose training split calibrates the activations; without it `run`
    calibrates on the data set it runs. Weights are quantized at `bits` (robust scheme).
    """
    import io

    import torch

    pre = dict(preprocess or {})
    unknown = set(pre) - {"pixel_scale", "mean", "std"}
    if unknown:
        raise InvalidInputError(f"preprocess: unknown key {sorted(unknown)[0]} (expected pixel_scale, mean, std)")
    buf = io.BytesIO()
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            torch.onnx.export(module, example_input, buf, opset_version=opset, input_names=["input"],
                              output_names=["scores"], do_constant_folding=True)
    finally:
        module.train(training)
    label = name or type(module).__name__
    # The origin naming the in-memory model in messages and as the network's source_file.
    return _import(f"{label} (lvsim.from_torch)", buf.getvalue(), bits, granularity, symmetry, storage, rounding, clip,
                   pre.get("pixel_scale"), pre.get("mean"), pre.get("std"), label, calib, calib_images,
                   calib_method, threads)


# ---- run ----------------------------------------------------------------------------------------

def run(network, data, *, arch=None, tech=None, v_sram=None, v_logic=None, ber=None, ber_model=None,
        stuck_cell_fraction=None, stuck_at_1_fraction=None, fault_map=None, fault_map_tile=False, transient_ber=0.0,
        chip_seed=1, mode="fast", images=None, threads=None, calib_images=512, calib="min-max", clock_mode="fixed",
        robust_error=False, compute_report=None, dump_layers=None, weight_bits=None, norm_params="sram", **unknown):
    """One `lvsim run`: accuracy (with faults and clean), cycles, faults and energy of `network` (a
    Network, or a network file / ONNX path) on the test split of `data` (IDX or CIFAR-10 directory,
    or .npz). Keyword arguments are the command line's options (--v-sram is v_sram, ...), checked
    by the same code with the same messages; None means the CLI's default. Returns a RunResult
    whose attributes are the --json report's keys."""
    options = {k: v for k, v in locals().items() if k not in ("network", "unknown") and v is not None}
    options["data"] = data  # None is refused by name
    options.update(unknown)  # refused by name
    if not isinstance(network, Network):
        options["network"] = network
        network = None
    text, predictions, predictions_clean, labels = _lvsim.run(network, options)
    return RunResult(_json.loads(text), predictions, predictions_clean, labels)


class TopologyResult(_Report):
    """One `lvsim run --topology`: every key of its --json report as an attribute; layers as a
    structured array (layer_list: the dicts); compute_report: the COMPUTE_REPORT.csv text."""

    def __init__(self, report, compute_report):
        report = dict(report)
        layers = report.get("layers", [])
        report["layers"] = table(layers)
        super().__init__(report)
        object.__setattr__(self, "layer_list", layers)
        object.__setattr__(self, "compute_report", compute_report)

    def to_dict(self):
        """The report as `lvsim run --topology --json` prints it."""
        d = dict(self._report)
        d["layers"] = self.layer_list
        return d

    def __repr__(self):
        return (f"<lvsim.TopologyResult {self._report['topology']}: {len(self.layer_list)} layers, "
                f"{self._report['total_cycles']} cycles>")


def run_topology(topology, *, arch=None, tech=None, v_sram=None, v_logic=None, clock_mode="fixed", weight_bits=None):
    """One `lvsim run --topology`: a SCALE-Sim topology CSV timed on the architecture (cycles,
    utilization, DRAM bytes, energy per layer and in total), without weights or data."""
    options = {k: v for k, v in locals().items() if k != "topology" and v is not None}
    text, csv = _lvsim.run_topology(topology, options)
    return TopologyResult(_json.loads(text), csv)


# ---- studies ------------------------------------------------------------------------------------

def _notebook_bar(done, total):
    """A text bar redrawn in place on the notebook's stderr (which is no terminal)."""
    fill = 30 * done // total if total else 0
    _sys.stderr.write(f"\r[{'#' * fill}{'.' * (30 - fill)}] {done}/{total} points")
    if done == total:
        _sys.stderr.write("\n")
    _sys.stderr.flush()


def _progress(progress):
    """(quiet, callback): None shows the command line's bar on a terminal and a text bar in a
    Jupyter notebook; a callable gets (points_done, points_total); False shows nothing."""
    if callable(progress):
        return True, progress
    if progress is not None and not isinstance(progress, bool):
        raise InvalidInputError(f"progress: expected a callable, None or False, got {type(progress).__name__}")
    if progress is None:
        if hasattr(_sys.stderr, "isatty") and _sys.stderr.isatty():
            return False, None
        return True, (_notebook_bar if "ipykernel" in _sys.modules else None)
    return not progress, None


def _study_source(study, kind, out_dir):
    """(origin, text): a path is read by the library as the CLI reads it; a dict becomes its JSON
    text (Network objects in `networks` are saved into out_dir/networks first)."""
    if isinstance(study, (str, _os.PathLike)):
        return _os.fspath(study), ""
    if not isinstance(study, dict):
        raise InvalidInputError(f"{kind}: expected a dict or a file path, got {type(study).__name__}")
    study = dict(study)
    key = "networks" if kind == "study" else "workloads"
    entries = study.get(key)
    if isinstance(entries, list) and any(isinstance(e, Network) or (isinstance(e, dict) and isinstance(
            e.get("file" if kind == "study" else "network"), Network)) for e in entries):
        folder = _os.path.join(out_dir, "networks")
        _os.makedirs(folder, exist_ok=True)
        field = "file" if kind == "study" else "network"
        resolved = []
        for i, e in enumerate(entries):
            net = e if isinstance(e, Network) else (e.get(field) if isinstance(e, dict) else None)
            if isinstance(net, Network):
                path = _os.path.abspath(_os.path.join(folder, f"{i}-{net.name}.json"))
                net.save(path)
                e = {**(e if isinstance(e, dict) else {}), field: path}
                e.setdefault("name", net.name)
            resolved.append(e)
        study[key] = resolved
    try:
        return kind, _json.dumps(study, allow_nan=False)
    except ValueError:
        raise InvalidInputError(f"{kind}: {_non_finite_field(study) or 'a value'}: not a finite number (NaN and "
                                f"infinity have no JSON form)") from None
    except TypeError as e:
        raise InvalidInputError(f"{kind}: a value JSON cannot hold ({e})") from None


def _non_finite_field(value, where=""):
    """The path of the first NaN or infinity in a dict/list (e.g. "axes.array.rows[2]"), or None."""
    if isinstance(value, float) and not _math.isfinite(value):
        return where or "(top level)"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else []
    for k, v in items:
        found = _non_finite_field(v, f"{where}[{k}]" if isinstance(k, int) else (f"{where}.{k}" if where else str(k)))
        if found:
            return found
    return None


class _OutDir:
    def __init__(self, out):
        self.out = None if out is None else _os.fspath(out)
        self._tmp = None

    def __enter__(self):
        if self.out is None:
            self._tmp = _tempfile.TemporaryDirectory(prefix="lvsim-")
            return self._tmp.name
        return self.out

    def __exit__(self, *exc):
        if self._tmp is not None:
            self._tmp.cleanup()


def sweep(study, *, out=None, threads=None, reuse=True, progress=None):
    """`lvsim sweep --study`: `study` is a study file's path or the same content as a dict
    (docs/studies.md; in a dict, relative paths are from the working directory and networks may be
    Network objects). Outputs (points, summary, journal, report.html) go to `out`, or a temporary
    directory removed afterwards. Returns a StudyResult: .points (points.json rows), .summary
    (summary.json), .to_numpy(). progress: a callable(points_done, points_total), None (the
    command line's bar when stderr is a terminal) or False."""
    quiet, callback = _progress(progress)
    with _OutDir(out) as out_dir:
        origin, text = _study_source(study, "study", out_dir)
        r = _lvsim.sweep(text, origin, out_dir, _positive(threads, "--threads") or 0, quiet, bool(reuse), callback)
        points, summary = _json.loads(r.pop("points_json")), _json.loads(r.pop("summary_json"))
        summary_text = r.pop("summary_text")
    return StudyResult(points, summary, summary_text, None if out is None else r["out_dir"], r)


def _chips(chips):
    """The text of --chips: a count N (seeds 1..N), a list of seeds, or the command line's text."""
    if isinstance(chips, str):
        return chips
    if isinstance(chips, (list, tuple)):
        return ",".join(str(_seed(c, "--chips")) for c in chips)
    return str(_positive(chips, "--chips"))


def _number(value, option):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"command line: {option}: expected a number, got {type(value).__name__}")
    return float(value)


def sensitivity(network, data, *, chips, voltage=None, ber=None, images=None, by="layer", arch=None, tech=None,
                ber_model=None, stuck_at_1_fraction=None, mode=None, threads=None):
    """`lvsim sensitivity --json`: per layer (by="layer"), per bit position ("bit") or both, the
    accuracy and RErr drop when only that scope's stored weights see each chip's faults at one
    weight-SRAM `voltage` (V) or fault rate `ber`. chips: a count N (seeds 1..N) or a list of
    seeds. Returns the JSON document as a dict; its "rows" as a NumPy array: lvsim.table(d["rows"])."""
    text = _lvsim.sensitivity(_path(network, "--network", required=True), _path(data, "--data", required=True),
                              _number(voltage, "--voltage"), _number(ber, "--ber"), _chips(chips),
                              _positive(images, "--images"), by, _path(arch, "--arch"), _path(tech, "--tech"),
                              ber_model or "", _number(stuck_at_1_fraction, "--stuck-at-1-fraction"), mode or "",
                              _positive(threads, "--threads") or 0)
    return _json.loads(text)


def explore(exploration, *, out=None, threads=None, force=False, progress=None):
    """`lvsim explore`: `exploration` is an exploration file's path or the same content as a dict
    (docs/studies.md, "Exploration"). Outputs go to `out` or a temporary directory. Returns a
    StudyResult whose .points are points.json's rows (one per design point and workload).
    progress: a callable(points_done, points_total), called at the start and the end."""
    _, callback = _progress(progress)
    with _OutDir(out) as out_dir:
        origin, text = _study_source(exploration, "exploration", out_dir)
        r = _lvsim.explore(text, origin, out_dir, _positive(threads, "--threads") or 0, bool(force), callback)
        points = _json.loads(r.pop("points_json"))
    return StudyResult(points, None, "", None if out is None else _os.fspath(out), r)


# ---- chips --------------------------------------------------------------------------------------

class Chip:
    """One simulated chip, as `lvsim chip`: the technology's bit-cell failure model, the weight
    SRAM's geometry (arch) and a seed."""

    def __init__(self, tech=None, seed=1, *, arch=None):
        self.tech, self.arch, self.seed = _path(tech, "--tech"), _path(arch, "--arch"), _seed(seed)

    def report(self, voltages=None, *, voltage=None):
        """`lvsim chip --json`: the BER-vs-voltage table and per-bank detail at `voltage`."""
        vs = [] if voltages is None else _voltages(voltages)
        return _json.loads(_lvsim.chip(self.arch, self.tech, self.seed, vs, voltage, "", None))

    def ber(self, voltages):
        """Fraction of failing cells of this chip at each voltage (V), as a float64 array."""
        scalar = _np.ndim(voltages) == 0
        rows = self.report(_voltages(voltages))["ber_vs_voltage"]
        out = _np.array([r["ber"] for r in rows], dtype=_np.float64)
        return out[0] if scalar else out

    def export(self, path, *, voltage=None, voltages=None):
        """Writes the chip's fault map (`lvsim chip --export`; at `voltage` only if given, else every
        cell failing down to the lowest of `voltages`) and returns the report."""
        vs = [] if voltages is None else _voltages(voltages)
        return _json.loads(_lvsim.chip(self.arch, self.tech, self.seed, vs, None,
                                       _path(path, "--export", required=True), voltage))

    def __repr__(self):
        return f"<lvsim.Chip seed {self.seed}, tech {self.tech or 'built-in 45nm'}>"


def chip(tech=None, seed=1, *, arch=None):
    """lvsim.chip(tech, seed).ber(voltages): one simulated chip (see Chip)."""
    return Chip(tech, seed, arch=arch)
