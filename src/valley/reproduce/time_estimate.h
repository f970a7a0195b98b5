// How long an experiment takes here, before running it: its runs' updates,
// grouped by what an update costs (method, network, batch, samples,
// sampler), and its evaluations, grouped by network and image count, each
// times a seconds-per-unit measured for the group.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>

#include "valley/methods/method_config.h"
#include "valley/reproduce/experiment.h"

namespace valley {

// What decides the cost of an update. SGD has no samples and no sampler.
struct UpdateKind {
  std::string method;
  std::string net;
  int64_t batch_size = 0;
  int64_t n_samples = 0;     // J of SGLD and IS
  int64_t n_iterations = 0;  // J of heat, L of entropy-sgd
  int64_t n_draws = 0;       // M of heat
  std::string sampler;       // full | projected (regularized methods)

  auto operator<=>(const UpdateKind&) const = default;

  std::string str() const;             // e.g. "heat on 784-200-10, batch 20, J = 30, M = 30, …"
  MethodConfig method_config() const;  // a method of this kind, to time
};

// What decides the cost of one evaluation row: the network and the images
// it is evaluated on (the held-out images and the 1000 training images whose
// loss metrics.csv reports).
struct EvalKind {
  std::string net;
  int64_t n_images = 0;

  auto operator<=>(const EvalKind&) const = default;

  std::string str() const;  // e.g. "evaluation of 784-10 on 2000 images"
};

// What one seed of an experiment's runs does. The first updates of a
// --sgd-first run count as SGD.
struct Workload {
  std::map<UpdateKind, int64_t> updates;
  std::map<EvalKind, int64_t> evaluations;

  int64_t n_updates() const;
};

Workload workload_of(const Experiment& experiment);

struct UnitSeconds {
  std::map<UpdateKind, double> per_update;
  std::map<EvalKind, double> per_evaluation;
};

// n_seeds × Σ count × seconds per unit.
double estimate_seconds(const Workload& workload, int64_t n_seeds, const UnitSeconds& seconds);

}  // namespace valley
