#include "valley/methods/sgd.h"

#include <utility>

namespace valley {

namespace {

BaseOptimizerSettings plain(double lr) {
  BaseOptimizerSettings settings;
  settings.lr = lr;
  return settings;
}

}  // namespace

Sgd::Sgd(double lr, Device* device) : Sgd(plain(lr), device) {}

Sgd::Sgd(BaseOptimizerSettings settings, Device* device)
    : optimizer_(std::move(settings)), work_(make_gradient_work(device)) {}

UpdateStats Sgd::step(Vec& x, Objective& f, uint64_t k) {
  // x_{k+1} = x_k − lr ∇f(x_k) in one go, where that is the cheaper way (a device)
  if (optimizer_.plain() && work_->gradient_step(x, f, static_cast<float>(optimizer_.settings().lr)))
    return {};
  grad_.resize(x.size());
  work_->gradient(x, f, grad_);  // ∇f(x_k)
  optimizer_.step(x, grad_, k);  // x_{k+1} = x_k − lr ∇f(x_k) (+ momentum, decay)
  return {};
}

namespace {

// ∇f on the CPU: the objective's own.
class CpuGradientWork final : public GradientWork {
 public:
  void gradient(ConstVecRef x, Objective& f, VecRef grad) override { f.gradient(x, grad); }
  bool gradient_step(VecRef, Objective&, float) override { return false; }
};

}  // namespace

std::unique_ptr<GradientWork> cpu_gradient_work() { return std::make_unique<CpuGradientWork>(); }

nlohmann::json Sgd::settings() const {
  nlohmann::json out;
  optimizer_.add_settings(out);
  return out;
}

std::unique_ptr<Method> make_sgd(const MethodConfig& config, const Backend&, Device* device) {
  return std::make_unique<Sgd>(base_optimizer_settings(config), device);
}

}  // namespace valley
