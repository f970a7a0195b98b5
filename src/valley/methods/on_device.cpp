// The methods' heavy parts on a Device (backends/device.h): SGD's gradient
// and step (sgd.h's GradientWork) and Alg. 5's iteration (heat.h's
// RobbinsMonroWork), each a sequence of the device's kernels on the network
// and minibatch of f (objective/device_batch.h). Without a device, the CPU's.
#include <memory>

#include "valley/methods/heat.h"
#include "valley/methods/sgd.h"
#include "valley/objective/device_batch.h"

namespace valley {
namespace {

class DeviceGradientWork final : public GradientWork {
 public:
  explicit DeviceGradientWork(Device& device) : device_(device) {}

  void gradient(ConstVecRef x, Objective& f, VecRef grad) override {
    const MlpBatch batch = device_batch_of(f, "sgd");
    f.add_counts({0, 1});
    device_.loss_and_gradient(x, batch, grad);
  }
  bool gradient_step(VecRef x, Objective& f, float lr) override {
    const MlpBatch batch = device_batch_of(f, "sgd");
    f.add_counts({0, 1});
    device_.gradient_step(x, batch, lr);
    return true;
  }

 private:
  Device& device_;
};

class DeviceRobbinsMonroWork final : public RobbinsMonroWork {
 public:
  explicit DeviceRobbinsMonroWork(Device& device) : device_(device) {}

  void iterate(VecRef x, Objective& f, const RobbinsMonroRun& run) override {
    device_.robbins_monro(x, device_batch_of(f, "heat"), run);
    f.add_counts({0, run.n_draws * static_cast<int64_t>(run.steps.size())});
  }

 private:
  Device& device_;
};

}  // namespace

std::unique_ptr<GradientWork> make_gradient_work(Device* device) {
  if (device == nullptr) return cpu_gradient_work();
  return std::make_unique<DeviceGradientWork>(*device);
}

std::unique_ptr<RobbinsMonroWork> make_robbins_monro_work(const Backend& backend, Device* device) {
  if (device == nullptr) return cpu_robbins_monro_work(backend);
  return std::make_unique<DeviceRobbinsMonroWork>(*device);
}

}  // namespace valley
