#include "valley/train/model_evaluation.h"

#include <algorithm>
#include <cmath>

#include "valley/core/error.h"
#include "valley/model/net_fit.h"
#include "valley/train/run_data.h"

namespace valley {

void validate(const ModelEvaluationSettings& settings) {
  if (settings.model.empty()) fail("--model RUN_DIR|FILE is required: the network to evaluate");
  if (settings.data_dir && settings.data_dir->empty()) fail("--data needs a directory");
  if (settings.other_data && !settings.data_dir)
    fail("--other-data applies only with --data DIR: the data to evaluate on instead of the run's");
  if (settings.split != "test" && settings.split != "train")
    fail("--split must be 'test' or 'train' (got '{}')", settings.split);
  if (settings.eval_size < 0)
    fail("--eval-size must be ≥ 0 (got {}; 0: the whole split)", settings.eval_size);
  if (settings.n_threads < 1 || settings.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", settings.n_threads);
}

ModelEvaluation::ModelEvaluation(const ModelEvaluationSettings& settings) : settings_(settings) {
  validate(settings_);
  model_ = load_model(settings_.model);
  ChosenData chosen = choose_model_data(settings_.model, model_, settings_.data_dir, settings_.other_data,
                                        "--model " + settings_.model);
  data_ = std::move(chosen.data);
  data_origin_ = std::move(chosen.origin);
  check_net_fits_data(model_.net, data_, "--model " + settings_.model);
  n_images_ = settings_.eval_size > 0 ? std::min(settings_.eval_size, data().n) : data().n;
}

const Dataset& ModelEvaluation::data() const { return settings_.split == "test" ? data_.test : data_.train; }

ClassificationReport ModelEvaluation::run() const {
  ClassificationReport report =
      classify(model_.net, model_.x, data(), n_images_, static_cast<int>(settings_.n_threads));
  // Finite weights can still overflow: a NaN or infinite output makes the
  // loss non-finite, and the accuracy would be computed from garbage.
  if (!std::isfinite(report.loss))
    fail(
        "--model {}: the mean cross-entropy on {} images of {} is {}: the network's outputs are "
        "not finite (its largest |weight| is {:g}); the model cannot be evaluated",
        settings_.model, report.n_images, data().source, report.loss,
        static_cast<double>(model_.x.cwiseAbs().maxCoeff()));
  return report;
}

nlohmann::json ModelEvaluation::to_json(const ClassificationReport& r) const {
  nlohmann::json per_class = nlohmann::json::array();
  for (std::size_t k = 0; k < r.class_images.size(); ++k)
    per_class.push_back(
        {{"class", k},
         {"images", r.class_images[k]},
         {"accuracy",
          std::isnan(r.class_accuracy[k]) ? nlohmann::json(nullptr) : nlohmann::json(r.class_accuracy[k])}});
  return {{"model", settings_.model}, {"net", model_.net.str()},  {"model_metadata", model_.metadata},
          {"data", data().source},    {"split", settings_.split}, {"images", r.n_images},
          {"accuracy", r.accuracy},   {"loss", r.loss},           {"per_class", per_class},
          {"confusion", r.confusion}};
}

}  // namespace valley
