// The Python module `valley` (its compiled part, valley._valley): training as
// `valley train` does it, and the estimators on a Python objective. Every
// call checks its arguments first with the CLI's messages (ValueError), then
// releases the GIL for the C++ work; a Python objective re-acquires it for
// each call of f or ∇f. Ctrl-C is checked between updates and between calls
// of f (at most every 0.1 s), and ends the call with KeyboardInterrupt;
// an interrupted training leaves its files complete, with summary.json
// saying "interrupted". Other valley errors arrive as valley.Error with the
// CLI's one-line message; an exception raised inside f propagates unchanged.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "valley/model/model_file.h"
#include "valley/train/results.h"
#include "valley/valley.h"

namespace py = pybind11;

namespace {

using Clock = std::chrono::steady_clock;

// Runs a check; its valley::Error becomes ValueError.
template <typename F>
void check_arguments(F&& check) {
  try {
    check();
  } catch (const valley::Error& e) {
    throw py::value_error(valley::one_line(e.what()));
  }
}

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
    throw py::value_error(std::string(what) + " must be a one-dimensional array of numbers");
  return Eigen::Map<const valley::Vec>(a.data(), a.size());
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
      throw py::value_error("f(x) must return a number, but returned a " +
                            std::string(py::str(value.get_type().attr("__name__"))));
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
      throw py::value_error(
          "grad(x) must return a one-dimensional array of " + std::to_string(dim) +
          " numbers (the size of x), but returned " +
          (a ? "shape " + std::string(py::str(a.attr("shape"))) :
               "a " + std::string(py::str(g.get_type().attr("__name__")))));
    std::copy(a.data(), a.data() + dim, out.data());
    return value;
  }
};

// The settings of the estimators, with the CLI's defaults.
valley::MethodConfig estimator_config(const std::string& method, double tau, int64_t samples,
                                      int64_t seed, double eps0, const std::string& sgld_noise,
                                      double beta, std::optional<double> eta) {
  valley::MethodConfig config;
  config.name = method;
  config.regularization.tau = tau;
  config.n_samples = samples;
  if (seed < 0) throw py::value_error("--seed must be ≥ 0 (got " + std::to_string(seed) + ")");
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
    throw py::value_error("grad must be a callable (or None), not a " +
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

py::dict local_entropy_step(const py::function& f, const py::object& grad, const py::handle& x_in,
                            double tau, const std::string& method, int64_t samples, int64_t seed,
                            int64_t k, double eps0, const std::string& sgld_noise, double beta,
                            std::optional<double> eta) {
  const valley::Vec x = from_numpy(x_in, "x");
  const valley::MethodConfig config =
      estimator_config(method, tau, samples, seed, eps0, sgld_noise, beta, eta);
  if (k < 0) throw py::value_error("k must be ≥ 0 (got " + std::to_string(k) + ")");
  check_arguments([&] {
    if (method != "sgld" && method != "is")
      valley::fail("method must be 'is' or 'sgld' (got '{}')", method);
    valley::validate(config);
    if (x.size() == 0) valley::fail("x is empty");
    if (!x.allFinite()) valley::fail("x holds a NaN or an infinity");
  });
  if (method == "sgld" && grad.is_none())
    throw py::value_error("method 'sgld' needs grad (∇f); give grad=..., or use method='is'");
  ObjectiveWithOwner objective = make_objective(f, grad, x.size());
  valley::LocalEntropyEstimate estimate;
  {
    py::gil_scoped_release release;
    estimate = valley::estimate_local_entropy(*objective.objective, x, config,
                                              static_cast<uint64_t>(k));
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

py::array_t<float> heat_step(const py::function& f, const py::function& grad,
                             const py::handle& x_in, double tau, std::optional<int64_t> rm_iters,
                             std::optional<int64_t> rm_samples, double rm_c, double rm_alpha,
                             int64_t seed, int64_t k) {
  const valley::Vec x = from_numpy(x_in, "x");
  valley::MethodConfig config = estimator_config("heat", tau, 1, seed, 1000.0, "variance", 1.0, {});
  config.n_samples.reset();
  config.heat.n_iterations = rm_iters;
  config.heat.n_draws = rm_samples;
  config.heat.c = rm_c;
  config.heat.alpha = rm_alpha;
  if (k < 0) throw py::value_error("k must be ≥ 0 (got " + std::to_string(k) + ")");
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

// Scoped flags: a setting the chosen method ignores is a mistake, as on the
// command line ("--tau does not apply to --method sgd").
template <typename T>
void apply_scoped(const std::optional<T>& given, T& target, const char* flag,
                  const std::set<std::string>& methods, const std::string& method) {
  if (!given) return;
  if (methods.count(method) == 0)
    throw py::value_error(std::string(flag) + " does not apply to --method " + method);
  target = *given;
}

template <typename T>
void apply_scoped_optional(const std::optional<T>& given, std::optional<T>& target,
                           const char* flag, const std::set<std::string>& methods,
                           const std::string& method) {
  if (!given) return;
  if (methods.count(method) == 0)
    throw py::value_error(std::string(flag) + " does not apply to --method " + method);
  target = given;
}

py::dict train(const std::string& out, const std::string& method, const std::string& net,
               int64_t updates, int64_t batch, double lr, std::optional<double> tau,
               std::optional<std::string> tau_schedule, std::optional<double> tau0,
               std::optional<double> tau1, std::optional<double> eta,
               std::optional<int64_t> samples, std::optional<double> eps0,
               std::optional<std::string> sgld_noise, std::optional<double> beta,
               std::optional<int64_t> rm_iters, std::optional<int64_t> rm_samples,
               std::optional<double> rm_c, std::optional<double> rm_alpha,
               std::optional<std::string> sampler, std::optional<int64_t> sgd_first,
               int64_t seed, int64_t eval_every, int64_t eval_size, int64_t threads,
               const std::string& inner_batch, std::optional<std::string> data,
               std::optional<std::string> test_data, bool overwrite, int64_t checkpoint_every,
               bool progress) {
  valley::TrainConfig config;
  valley::MethodConfig& m = config.method;
  m.name = method;
  const std::set<std::string> regularized = {"sgld", "is", "heat"};
  apply_scoped(tau, m.regularization.tau, "--tau", regularized, method);
  apply_scoped(tau_schedule, m.regularization.schedule, "--tau-schedule", regularized, method);
  apply_scoped_optional(tau0, m.regularization.tau_0, "--tau0", regularized, method);
  apply_scoped(tau1, m.regularization.tau_1, "--tau1", regularized, method);
  apply_scoped_optional(eta, m.regularization.eta, "--eta", {"sgld", "is"}, method);
  apply_scoped_optional(samples, m.n_samples, "--samples", regularized, method);
  apply_scoped(eps0, m.sgld.eps_0, "--eps0", {"sgld"}, method);
  apply_scoped(sgld_noise, m.sgld.noise, "--sgld-noise", {"sgld"}, method);
  apply_scoped(beta, m.is.beta, "--beta", {"is"}, method);
  apply_scoped_optional(rm_iters, m.heat.n_iterations, "--rm-iters", {"heat"}, method);
  apply_scoped_optional(rm_samples, m.heat.n_draws, "--rm-samples", {"heat"}, method);
  apply_scoped(rm_c, m.heat.c, "--rm-c", {"heat"}, method);
  apply_scoped(rm_alpha, m.heat.alpha, "--rm-alpha", {"heat"}, method);
  apply_scoped(sampler, m.sampler, "--sampler", regularized, method);
  apply_scoped(sgd_first, m.sgd_first, "--sgd-first", regularized, method);
  if (seed < 0) throw py::value_error("--seed must be ≥ 0 (got " + std::to_string(seed) + ")");
  m.seed = static_cast<uint64_t>(seed);
  m.sgd.lr = lr;
  config.net = net;
  config.n_updates = updates;
  config.batch_size = batch;
  config.eval_every = eval_every;
  config.eval_size = eval_size;
  config.n_threads = threads;
  config.inner_batch = inner_batch;
  if (data) config.data_dir = *data;
  if (test_data) config.test_data_dir = *test_data;
  config.out_dir = out;
  config.overwrite = overwrite;
  config.checkpoint_every = checkpoint_every;
  config.progress = progress;
  check_arguments([&] { valley::validate(config); });

  valley::TrainOutcome outcome;
  {
    std::optional<valley::DataSplit> data_split;
    std::optional<valley::TrainingRun> run;  // holds a reference to data_split
    {
      py::gil_scoped_release release;
      data_split = valley::load_training_data(config);
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
  for (const char* name :
       {"config.json", "metrics.csv", "summary.json", "checkpoint.bin", valley::kModelFile})
    if (std::filesystem::exists(dir / name)) files[py::str(std::string(name))] = (dir / name).string();
  py::dict result;
  result["metrics"] = metrics;
  result["summary"] = py::module_::import("json").attr("loads")(outcome.summary.dump());
  result["x"] = to_numpy(outcome.x);
  result["files"] = files;
  result["out"] = dir.string();
  return result;
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
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        weight.mutable_data(), n_out, n_in) =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            model.x.data() + net.weights_offset(l), n_in, n_out)
            .transpose();
    out[py::str("layers." + std::to_string(l - 1) + ".weight")] = weight;
    out[py::str("layers." + std::to_string(l - 1) + ".bias")] =
        to_numpy(model.x.segment(net.bias_offset(l), n_out));
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_valley, m) {
  m.doc() = "valley's compiled core; use the package `valley`.";
  m.attr("__version__") = valley::kVersion;
  py::register_exception<valley::Error>(m, "Error", PyExc_RuntimeError);
  m.attr("Error").attr("__doc__") =
      "A failure valley reports with a one-line message, as the command line would: missing "
      "or malformed data, a diverging run, an objective that returned NaN. Bad arguments raise "
      "ValueError instead.";

  m.def("train", &train,
        R"(Train a network as `valley train` does and write its run into `out`.

Every argument is the command line's flag of the same name (dashes become
underscores) with the same default; settings that belong to other methods
(tau, samples, eps0, ...) are left at None and must not be given for a
method they do not apply to. Their defaults, as on the command line:
tau=0.01, tau_schedule="const", tau0=tau, tau1=0.01, eta=tau, samples=1000
(heat: rm_iters = rm_samples = 30), eps0=1000, sgld_noise="variance",
beta=1, rm_c=0.1, rm_alpha=0.7, sampler="auto", sgd_first=0. `data` is a
directory of MNIST-style IDX files (default: the data set fetched by
`make data`); progress draws the progress line on stderr when it is a
terminal.

Returns a dict: "metrics" (a dict of numpy arrays, one per column of
metrics.csv: update, seconds, train_loss, test_accuracy, test_loss, tau,
loss_evals, gradient_evals, ess), "summary" (summary.json as a dict),
"x" (the final parameters, float32), "files" (name -> path of each file
written) and "out".

Raises ValueError for a bad argument (the CLI's one-line message),
valley.Error for any other failure (missing data, a diverging run), and
KeyboardInterrupt on Ctrl-C (checked between updates): the run's files
stay complete and summary.json says "interrupted".)",
        py::arg("out"), py::kw_only(), py::arg("method") = "sgd", py::arg("net") = "784-200-10",
        py::arg("updates") = 500, py::arg("batch") = 20, py::arg("lr") = 0.01,
        py::arg("tau") = py::none(), py::arg("tau_schedule") = py::none(),
        py::arg("tau0") = py::none(), py::arg("tau1") = py::none(), py::arg("eta") = py::none(),
        py::arg("samples") = py::none(), py::arg("eps0") = py::none(),
        py::arg("sgld_noise") = py::none(), py::arg("beta") = py::none(),
        py::arg("rm_iters") = py::none(), py::arg("rm_samples") = py::none(),
        py::arg("rm_c") = py::none(), py::arg("rm_alpha") = py::none(),
        py::arg("sampler") = py::none(), py::arg("sgd_first") = py::none(),
        py::arg("seed") = 1, py::arg("eval_every") = 100, py::arg("eval_size") = 1000,
        py::arg("threads") = 1, py::arg("inner_batch") = "same", py::arg("data") = py::none(),
        py::arg("test_data") = py::none(), py::arg("overwrite") = false,
        py::arg("checkpoint_every") = 0, py::arg("progress") = false);

  m.def("load_model", &load_model,
        R"(Read a model file (model.safetensors, or a run directory holding one) as a
dict of float32 numpy arrays named and shaped as PyTorch's nn.Linear layers:
"layers.0.weight" [out, in], "layers.0.bias" [out], ... Raises valley.Error
naming the file when it is missing or malformed.)",
        py::arg("path"));

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

Raises ValueError for a bad argument or a grad of the wrong size,
valley.Error when f returns NaN or ∞, KeyboardInterrupt on Ctrl-C; an
exception raised by f or grad propagates as it is.)",
        py::arg("f"), py::arg("grad") = py::none(), py::kw_only(), py::arg("x"),
        py::arg("tau") = 0.01, py::arg("method") = "is", py::arg("samples") = 1000,
        py::arg("seed") = 1, py::arg("k") = 0, py::arg("eps0") = 1000.0,
        py::arg("sgld_noise") = "variance", py::arg("beta") = 1.0, py::arg("eta") = py::none());

  m.def("heat_step", &heat_step,
        R"(One update of Algorithm 5 on a Python objective: heat regularization
by Robbins–Monro (eq. 17), x_{k+1} = argmin KL(φ_{x,τ} ‖ q_{x_k,τ}).

grad(x) -> array of len(x) is needed (and f(x) -> float, checked on the
same points). rm_iters J and rm_samples M default to 30 each, rm_c and
rm_alpha are the steps a_j = c j^(-α); seed and k pick the random streams.
Returns the new x (float32). Errors as for local_entropy_step.)",
        py::arg("f"), py::arg("grad"), py::kw_only(), py::arg("x"), py::arg("tau") = 0.01,
        py::arg("rm_iters") = py::none(), py::arg("rm_samples") = py::none(),
        py::arg("rm_c") = 0.1, py::arg("rm_alpha") = 0.7, py::arg("seed") = 1, py::arg("k") = 0);
}
