// The samplers' heavy parts on a Device (backends/device.h): Alg. 4's sums
// (importance.h's ImportanceWork) and Alg. 3's chain (sgld.h's LangevinWork),
// each one sequence of the device's kernels on the network and minibatch of
// f (objective/device_batch.h). Without a device, the CPU's.
#include <memory>

#include "valley/objective/device_batch.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/sgld.h"

namespace valley {
namespace {

class DeviceImportanceWork final : public ImportanceWork {
 public:
  DeviceImportanceWork(const ImportanceSettings& settings, Device& device)
      : settings_(settings), device_(device) {}

  const WeightedSum& weighted_sum(ConstVecRef x, float sigma, Objective& f, uint64_t k) override {
    const MlpBatch batch = device_batch_of(f, "is");
    sums_.sum.resize(x.size());
    const ImportanceSums sums =
        device_.importance_sums(x, batch, sigma, settings_.beta, settings_.seed, static_cast<uint32_t>(k),
                                settings_.n_samples, sums_.sum);
    f.add_counts({settings_.n_samples, 0});
    sums_.weights = LogSumExp::from_parts(sums.max_log_weight, sums.scaled_sum, sums.scaled_sum_squares);
    return sums_;
  }

 private:
  ImportanceSettings settings_;
  Device& device_;
  WeightedSum sums_;
};

class DeviceLangevinWork final : public LangevinWork {
 public:
  explicit DeviceLangevinWork(Device& device) : device_(device) {}

  void run_chain(ConstVecRef x, const LangevinChain& chain, Objective& f, VecRef y, VecRef sums,
                 VecRef* squares) override {
    device_.langevin_chain(x, device_batch_of(f, "sgld"), chain, y, sums, squares);
    f.add_counts({0, static_cast<int64_t>(chain.rates.size())});
  }

 private:
  Device& device_;
};

}  // namespace

std::unique_ptr<ImportanceWork> make_importance_work(const ImportanceSettings& settings,
                                                     const Backend& backend, Device* device) {
  if (device == nullptr) return cpu_importance_work(settings, backend);
  return std::make_unique<DeviceImportanceWork>(settings, *device);
}

std::unique_ptr<LangevinWork> make_langevin_work(const Backend& backend, Device* device) {
  if (device == nullptr) return cpu_langevin_work(backend);
  return std::make_unique<DeviceLangevinWork>(*device);
}

}  // namespace valley
