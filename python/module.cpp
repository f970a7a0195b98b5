// The Python module `valley` (its compiled part, valley._valley): training,
// evaluation and flatness as `valley train`, `valley eval` and `valley
// flatness` do them, and the estimators on a Python objective. Every call
// checks its arguments first with the CLI's code and messages
// (valley.ArgumentError, python/arguments.h), then releases the GIL for the
// C++ work; a Python objective re-acquires it for each call of f or ∇f.
// Ctrl-C is checked between updates, between parts of the flatness measures
// and between calls of f (at most every 0.1 s), and ends the call with
// KeyboardInterrupt; an interrupted training leaves its files complete, with
// summary.json saying "interrupted". Other valley errors arrive as
// valley.Error with the CLI's one-line message; an exception raised inside f
// propagates unchanged.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "arguments.h"
#include "valley/options/flatness_flags.h"
#include "valley/options/train_flags.h"
#include "valley/flatness/flatness_runner.h"
#include "valley/model/model_file.h"
#include "valley/train/model_evaluation.h"
#include "valley/train/results.h"
#include "valley/valley.h"

namespace py = pybind11;

namespace {

using valley::python::check_arguments;
using valley::python::raise_argument_error;

using Clock = std::chrono::steady_clock;

// Polls for Ctrl-C at most every 0.1 s; the caller must hold the GIL.
class InterruptPoll {
 public:
  void operator()() {
    const Clock::time_point now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }

 private:
  Clock::time_point last_{};
};

py::array_t<float> to_numpy(valley::ConstVecRef x) {
  py::array_t<float> out(x.size());
  std::copy(x.data(), x.data() + x.size(), out.mutable_data());
  return out;
}

py::array_t<double> to_numpy(const std::vector<double>& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

valley::Vec from_numpy(const py::handle& value, const char* what) {
  py::array_t<float, py::array::c_style | py::array::forcecast> a;
  try {
    a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(value);
  } catch (const py::error_already_set&) {
  }
  if (!a || a.ndim() != 1)
    raise_argument_error(std::string(what) + " must be a one-dimensional array of numbers");
  return Eigen::Map<const valley::Vec>(a.data(), a.size());
}

// What a callable returned, for a message: "None", "a str", "an int".
std::string returned(const py::handle& value) {
  if (value.is_none()) return "None";
  const std::string type = py::str(value.get_type().attr("__name__"));
  return (std::string("aeiou").find(type.front()) != std::string::npos ? "an " : "a ") + type;
}

// f and ∇f of a Python objective, called with the GIL held.
struct PythonObjective {
  py::function f;
  py::object grad;  // None: no gradient
  int64_t dim;
  InterruptPoll poll;

  double call_f(std::span<const float> x) {
    py::gil_scoped_acquire gil;
    poll();
    const py::object value = f(to_numpy(Eigen::Map<const valley::Vec>(x.data(), x.size())));
    try {
      return value.cast<double>();
    } catch (const py::cast_error&) {
      if (py::isinstance<py::int_>(value) && !py::isinstance<py::bool_>(value))
        throw py::value_error("f(x) returned an int too large for a float (" +
                              std::to_string(py::len(py::str(value))) + " digits)");
      throw py::value_error("f(x) must return a number, but returned " + returned(value));
    }
  }

  double call_grad(std::span<const float> x, std::span<float> out) {
    const double value = call_f(x);
    py::gil_scoped_acquire gil;
    const py::object g = grad(to_numpy(Eigen::Map<const valley::Vec>(x.data(), x.size())));
    py::array_t<float, py::array::c_style | py::array::forcecast> a;
    try {
      a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(g);
    } catch (const py::error_already_set&) {
    }
    if (!a || a.ndim() != 1 || a.size() != dim)
      throw py::value_error("grad(x) must return a one-dimensional array of " + std::to_string(dim) +
                            " numbers (the size of x), but returned " +
                            (g.is_none() ? std::string("None")
                             : a         ? "shape " + std::string(py::str(a.attr("shape")))
                                         : returned(g)));
    std::copy(a.data(), a.data() + dim, out.data());
    return value;
  }
};

// The settings of the estimators, with the CLI's defaults.
valley::MethodConfig estimator_config(const std::string& method, double tau, int64_t samples, int64_t seed,
                                      double eps0, const std::string& sgld_noise, double beta,
                                      std::optional<double> eta) {
  valley::MethodConfig config;
  config.name = method;
  config.regularization.tau = tau;
  config.n_samples = samples;
  if (seed < 0) raise_argument_error("--seed must be ≥ 0 (got " + std::to_string(seed) + ")");
  config.seed = static_cast<uint64_t>(seed);
  config.sgld.eps_0 = eps0;
  config.sgld.noise = sgld_noise;
  config.is.beta = beta;
  config.regularization.eta = eta;
  config.sampler = "full";
  return config;
}

struct ObjectiveWithOwner {
  std::unique_ptr<PythonObjective> python;
  std::unique_ptr<valley::FunctionObjective> objective;
};

ObjectiveWithOwner make_objective(const py::function& f, const py::object& grad, int64_t dim) {
  if (!grad.is_none() && !PyCallable_Check(grad.ptr()))
    raise_argument_error("grad must be a callable (or None), not a " +
                         std::string(py::str(grad.get_type().attr("__name__"))));
  ObjectiveWithOwner out;
  out.python = std::make_unique<PythonObjective>(PythonObjective{f, grad, dim, {}});
  PythonObjective* p = out.python.get();
  valley::FunctionObjective::GradientFn gradient;
  if (!grad.is_none())
    gradient = [p](std::span<const float> x, std::span<float> g) { return p->call_grad(x, g); };
  check_arguments([&] {
    out.objective = std::make_unique<valley::FunctionObjective>(
        dim, [p](std::span<const float> x) { return p->call_f(x); }, gradient, "f");
  });
  return out;
}

py::dict local_entropy_step(const py::function& f, const py::object& grad, const py::handle& x_in, double tau,
                            const std::string& method, int64_t samples, int64_t seed, int64_t k, double eps0,
                            const std::string& sgld_noise, double beta, std::optional<double> eta) {
  const valley::Vec x = from_numpy(x_in, "x");
  const valley::MethodConfig config =
      estimator_config(method, tau, samples, seed, eps0, sgld_noise, beta, eta);
  if (k < 0) raise_argument_error("k must be ≥ 0 (got " + std::to_string(k) + ")");
  check_arguments([&] {
    if (method != valley::method_name::kSgld && method != valley::method_name::kIs)
      valley::fail("method must be 'is' or 'sgld' (got '{}')", method);
    valley::validate(config);
    if (x.size() == 0) valley::fail("x is empty");
    if (!x.allFinite()) valley::fail("x holds a NaN or an infinity");
  });
  if (method == valley::method_name::kSgld && grad.is_none())
    raise_argument_error("method 'sgld' needs grad (∇f); give grad=..., or use method='is'");
  ObjectiveWithOwner objective = make_objective(f, grad, x.size());
  valley::LocalEntropyEstimate estimate;
  {
    py::gil_scoped_release release;
    estimate = valley::estimate_local_entropy(*objective.objective, x, config, static_cast<uint64_t>(k));
  }
  py::dict out;
  out["x"] = to_numpy(estimate.step);
  out["mean"] = to_numpy(estimate.mean);
  out["grad"] = to_numpy(estimate.gradient);
  out["ess"] = estimate.ess;
  out["f_evals"] = estimate.counts.n_loss;
  out["grad_evals"] = estimate.counts.n_gradient;
  return out;
}

py::array_t<float> heat_step(const py::function& f, const py::function& grad, const py::handle& x_in,
                             double tau, std::optional<int64_t> rm_iters, std::optional<int64_t> rm_samples,
                             double rm_c, double rm_alpha, int64_t seed, int64_t k) {
  const valley::Vec x = from_numpy(x_in, "x");
  const valley::MethodConfig defaults;
  valley::MethodConfig config =
      estimator_config(std::string(valley::method_name::kHeat), tau, 1, seed, defaults.sgld.eps_0,
                       defaults.sgld.noise, defaults.is.beta, {});
  config.n_samples.reset();
  config.heat.n_iterations = rm_iters;
  config.heat.n_draws = rm_samples;
  config.heat.c = rm_c;
  config.heat.alpha = rm_alpha;
  if (k < 0) raise_argument_error("k must be ≥ 0 (got " + std::to_string(k) + ")");
  check_arguments([&] {
    valley::validate(config);
    if (x.size() == 0) valley::fail("x is empty");
    if (!x.allFinite()) valley::fail("x holds a NaN or an infinity");
  });
  ObjectiveWithOwner objective = make_objective(f, grad, x.size());
  valley::Vec next;
  {
    py::gil_scoped_release release;
    next = valley::heat_step(*objective.objective, x, config, static_cast<uint64_t>(k));
  }
  return to_numpy(next);
}

// Python objects of a training's results.
py::dict training_result(const valley::TrainOutcome& outcome, const valley::TrainConfig& config) {
  py::dict metrics;
  const auto column = [&](auto member) {
    std::vector<double> v;
    for (const valley::MetricsRow& row : outcome.rows) v.push_back(static_cast<double>(row.*member));
    return to_numpy(v);
  };
  metrics["update"] = column(&valley::MetricsRow::update);
  metrics["seconds"] = column(&valley::MetricsRow::seconds);
  metrics["train_loss"] = column(&valley::MetricsRow::train_loss);
  metrics["test_accuracy"] = column(&valley::MetricsRow::test_accuracy);
  metrics["test_loss"] = column(&valley::MetricsRow::test_loss);
  metrics["tau"] = column(&valley::MetricsRow::tau);
  metrics["loss_evals"] = column(&valley::MetricsRow::loss_evals);
  metrics["gradient_evals"] = column(&valley::MetricsRow::gradient_evals);
  metrics["ess"] = column(&valley::MetricsRow::ess);
  py::dict files;
  const std::filesystem::path dir = config.out_dir;
  // The run's files (train/results.h) and the method's diagnostics (train/diagnostics.h).
  for (const char* name : {"config.json", "metrics.csv", "summary.json", valley::kCheckpointFile,
                           valley::kModelFile, "entropy_sgd.csv", "covariance.csv"})
    if (std::filesystem::exists(dir / name)) files[py::str(std::string(name))] = (dir / name).string();
  py::dict result;
  result["metrics"] = metrics;
  result["summary"] = py::module_::import("json").attr("loads")(outcome.summary.dump());
  result["x"] = to_numpy(outcome.x);
  result["files"] = files;
  result["out"] = dir.string();
  return result;
}

// valley train with the keywords as its flags (python/arguments.h).
py::dict train(const py::dict& keywords) {
  CLI::App cmd;
  cmd.set_help_flag();
  valley::cli::TrainFlags flags;
  valley::cli::add_train_flags(cmd, flags);
  valley::python::parse_keywords(cmd, keywords, "train");
  // A checkpoint that cannot be read is a file's problem (valley.Error), not
  // a bad argument (docs/LIBRARY.md): its error passes check_arguments by.
  struct UnreadableCheckpoint {
    std::string message;
  };
  const auto read = [](const std::filesystem::path& file) {
    try {
      return valley::read_checkpoint(file);
    } catch (const valley::Error& e) {
      throw UnreadableCheckpoint{e.what()};
    }
  };
  std::optional<valley::cli::TrainRequest> checked;
  try {
    checked = check_arguments([&] { return valley::cli::train_request(cmd, flags, read); });
  } catch (const UnreadableCheckpoint& unreadable) {
    throw valley::Error(unreadable.message);
  }
  const valley::cli::TrainRequest& request = *checked;
  const valley::TrainConfig& config = request.config;

  valley::TrainOutcome outcome;
  {
    std::optional<valley::DataSplit> data_split;
    std::optional<valley::TrainingRun> run;  // holds a reference to data_split
    {
      py::gil_scoped_release release;
      data_split = valley::load_training_data(config);
      if (request.checkpoint)
        run.emplace(config, *data_split, *request.checkpoint, request.checkpoint_name);
      else
        run.emplace(config, *data_split);
      Clock::time_point last_poll = Clock::now();
      while (!run->finished()) {
        run->run_update();
        if (Clock::now() - last_poll < std::chrono::milliseconds(100)) continue;
        last_poll = Clock::now();
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
          py::error_already_set interrupt;  // takes KeyboardInterrupt (or the handler's error)
          {
            py::gil_scoped_release again;
            run->record_interruption("interrupted");
          }
          throw interrupt;
        }
      }
      outcome = run->finish();
    }
  }
  return training_result(outcome, config);
}

// valley flatness on `runs` with the keywords as its flags; --out is optional
// here (without it nothing is written).
py::object flatness(const std::vector<std::string>& runs, const py::dict& keywords) {
  CLI::App cmd;
  cmd.set_help_flag();
  valley::FlatnessRequest request;
  valley::cli::add_flatness_flags(cmd, request);
  cmd.get_option("--out")->required(false);
  valley::python::parse_keywords(cmd, keywords, "flatness", runs);
  check_arguments([&] { valley::validate(request); });
  valley::FlatnessResult result;
  {
    py::gil_scoped_release release;
    const valley::FlatnessStudy study(request);
    InterruptPoll poll;
    const auto check_interrupt = [&](const std::string&) {
      py::gil_scoped_acquire gil;
      poll();
    };
    result = study.measure({check_interrupt, check_interrupt});
    if (!request.out_dir.empty()) valley::write_flatness(request.out_dir, result);
  }
  return py::module_::import("json").attr("loads")(result.doc.dump());
}

// The keywords of train and flatness, for their signatures and docstrings.
py::list train_keywords() {
  CLI::App cmd;
  cmd.set_help_flag();
  valley::cli::TrainFlags flags;
  valley::cli::add_train_flags(cmd, flags);
  return valley::python::describe_keywords(cmd);
}

py::list flatness_keywords() {
  CLI::App cmd;
  cmd.set_help_flag();
  valley::FlatnessRequest request;
  valley::cli::add_flatness_flags(cmd, request);
  return valley::python::describe_keywords(cmd);
}

// The tensors of a model file as PyTorch's nn.Linear names and shapes them
// (model/model_file.h): layers.{l-1}.weight [n_l, n_{l-1}], layers.{l-1}.bias.
py::dict load_model(const std::string& path) {
  valley::ModelFile model;
  {
    py::gil_scoped_release release;
    model = valley::load_model(path);
  }
  py::dict out;
  const valley::NetSpec& net = model.net;
  for (int l = 1; l <= net.n_layers(); ++l) {
    const int n_in = net.widths[l - 1], n_out = net.widths[l];
    py::array_t<float> weight({n_out, n_in});
    // x stores W_l as n_in × n_out row-major; the file's layout is its transpose.
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(weight.mutable_data(),
                                                                                      n_out, n_in) =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            model.x.data() + net.weights_offset(l), n_in, n_out)
            .transpose();
    out[py::str("layers." + std::to_string(l - 1) + ".weight")] = weight;
    out[py::str("layers." + std::to_string(l - 1) + ".bias")] =
        to_numpy(model.x.segment(net.bias_offset(l), n_out));
  }
  return out;
}

// A network on a split of a data set, as `valley eval` (train/model_evaluation.h).
py::dict eval(const std::string& model, std::optional<std::string> data, bool other_data,
              const std::string& split, std::optional<int64_t> eval_size, int64_t threads) {
  valley::ModelEvaluationSettings settings;
  settings.model = model;
  if (data) settings.data_dir = *data;
  settings.other_data = other_data;
  settings.split = split;
  if (eval_size) {
    if (*eval_size < 1)
      raise_argument_error("eval_size must be ≥ 1 (got " + std::to_string(*eval_size) +
                           "; None: the whole split)");
    settings.eval_size = *eval_size;
  }
  settings.n_threads = threads;
  check_arguments([&] { valley::validate(settings); });
  std::optional<valley::ModelEvaluation> evaluation;
  valley::ClassificationReport report;
  {
    py::gil_scoped_release release;
    evaluation.emplace(settings);
    report = evaluation->run();
  }
  const auto n_classes = static_cast<py::ssize_t>(report.class_images.size());
  py::array_t<int64_t> confusion({n_classes, n_classes});
  py::array_t<int64_t> class_images(n_classes);
  for (py::ssize_t k = 0; k < n_classes; ++k) {
    class_images.mutable_at(k) = report.class_images[k];
    for (py::ssize_t p = 0; p < n_classes; ++p) confusion.mutable_at(k, p) = report.confusion[k][p];
  }
  py::dict metadata;
  for (const auto& [key, value] : evaluation->model().metadata) metadata[py::str(key)] = value;
  py::dict result;
  result["model"] = model;
  result["net"] = evaluation->model().net.str();
  result["model_metadata"] = metadata;
  result["data"] = evaluation->data().source;
  result["split"] = split;
  result["images"] = report.n_images;
  result["accuracy"] = report.accuracy;
  result["loss"] = report.loss;
  result["class_images"] = class_images;
  result["class_accuracy"] = to_numpy(report.class_accuracy);
  result["confusion"] = confusion;
  return result;
}

}  // namespace

PYBIND11_MODULE(_valley, m) {
  m.doc() = "valley's compiled core; use the package `valley`.";
  m.attr("__version__") = valley::kVersion;
  const auto error = py::register_exception<valley::Error>(m, "Error", PyExc_RuntimeError);
  m.attr("Error").attr("__doc__") =
      "A failure valley reports with a one-line message, as the command line would: missing "
      "or malformed data, a diverging run, an objective that returned NaN, a bad argument "
      "(valley.ArgumentError).";
  valley::python::add_argument_error(m, error);

  // train and flatness take their keywords as a dict: the package wraps
  // them in functions whose signatures and docstrings list the keywords
  // (train_keywords, flatness_keywords), from the command line's flags.
  m.def("train", &train, "valley.train's work; use valley.train.", py::arg("keywords"));
  m.def("flatness", &flatness, "valley.flatness's work; use valley.flatness.", py::arg("runs"),
        py::arg("keywords"));
  m.def("train_keywords", &train_keywords,
        "The keywords of valley.train: (name, default, help) per flag of `valley train`.");
  m.def("flatness_keywords", &flatness_keywords,
        "The keywords of valley.flatness: (name, default, help) per flag of `valley flatness`.");

  m.def("load_model", &load_model,
        R"(Read a model file (model.safetensors, or a run directory holding one) as a
dict of float32 numpy arrays named and shaped as PyTorch's nn.Linear layers:
"layers.0.weight" [out, in], "layers.0.bias" [out], ... Raises valley.Error
naming the file when it is missing or malformed.)",
        py::arg("path"));

  m.def("eval", &eval,
        R"(Evaluate a trained network on a split of a data set, as `valley eval` does.

model is a run's out directory (its model.safetensors is read) or a model
file. data is a directory of MNIST-style IDX files (default: the data the
run trained on, as recorded in its config.json or its model file and checked
by size and CRC-32; for a model that records none, the data set fetched by
`make data`); data must be the run's own data unless other_data is True;
split "test" (the t10k-* images) or "train";
eval_size the first N images of the split in file order (None: all);
threads does not change the numbers.

Returns a dict: "accuracy", "loss" (mean cross-entropy), "images" (how
many were evaluated), "class_accuracy" (float64 array, NaN for a class
without images), "class_images" (int64 array, images per true class),
"confusion" (int64 array [true class, predicted class]), and "model",
"net", "model_metadata", "data" (the file read), "split".

Raises valley.ArgumentError (a ValueError) for a bad argument (the CLI's
one-line message) and valley.Error for a missing or malformed model or
data file, data other than the run's, a model that does not fit the data,
or one whose outputs are not finite.)",
        py::arg("model"), py::kw_only(), py::arg("data") = py::none(), py::arg("other_data") = false,
        py::arg("split") = "test", py::arg("eval_size") = py::none(), py::arg("threads") = 1);

  // The defaults of the keywords are the command line's: those of a
  // MethodConfig (methods/method_config.h), not restated here.
  const valley::MethodConfig defaults;
  namespace method_name = valley::method_name;
  m.def("local_entropy_step", &local_entropy_step,
        R"(One step of Algorithm 1 on a Python objective: estimate
E_q X for q(x') ∝ exp(-f(x') - |x - x'|^2 / (2 tau)) (eq. 6, 15) around x.

f(x) -> float and grad(x) -> array of len(x) take a float32 numpy vector.
method "is" (importance sampling, Alg. 4) needs f only; "sgld" (Alg. 3)
needs grad. samples is J (default 1000, as --samples), eps0 SGLD's step
ε_j = 1/(eps0 + j), beta the IS weights exp(-beta f), eta the outer step
(None: eta = tau, so the new x is the mean), seed and k pick the random
streams: same arguments, same numbers.

Returns a dict: "x" (x - eta (x - mean)/tau), "mean" (the estimate of
E_q X), "grad" (∇F_tau(x) = (x - mean)/tau, eq. 12), "ess" (IS effective
sample size, NaN for SGLD), "f_evals", "grad_evals".

Raises valley.ArgumentError (a ValueError) for a bad argument, ValueError
for a grad of the wrong size, valley.Error when f returns NaN or ∞,
KeyboardInterrupt on Ctrl-C; an exception raised by f or grad propagates as
it is.)",
        py::arg("f"), py::arg("grad") = py::none(), py::kw_only(), py::arg("x"),
        py::arg("tau") = defaults.regularization.tau, py::arg("method") = std::string(method_name::kIs),
        py::arg("samples") = defaults.sgld_is_samples(), py::arg("seed") = defaults.seed, py::arg("k") = 0,
        py::arg("eps0") = defaults.sgld.eps_0, py::arg("sgld_noise") = defaults.sgld.noise,
        py::arg("beta") = defaults.is.beta, py::arg("eta") = py::none());

  m.def("heat_step", &heat_step,
        R"(One update of Algorithm 5 on a Python objective: heat regularization
by Robbins–Monro (eq. 17), x_{k+1} = argmin KL(φ_{x,τ} ‖ q_{x_k,τ}).

grad(x) -> array of len(x) is needed (and f(x) -> float, checked on the
same points). rm_iters J and rm_samples M default to 30 each, rm_c and
rm_alpha are the steps a_j = c j^(-α); seed and k pick the random streams.
Returns the new x (float32). Errors as for local_entropy_step.)",
        py::arg("f"), py::arg("grad"), py::kw_only(), py::arg("x"),
        py::arg("tau") = defaults.regularization.tau, py::arg("rm_iters") = py::none(),
        py::arg("rm_samples") = py::none(), py::arg("rm_c") = defaults.heat.c,
        py::arg("rm_alpha") = defaults.heat.alpha, py::arg("seed") = defaults.seed, py::arg("k") = 0);
}
