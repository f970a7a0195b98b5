#include <algorithm>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/methods/method.h"
#include "valley/methods/method_table.h"
#include "valley/methods/sgd.h"
#include "valley/methods/sgd_first.h"

namespace valley {
namespace {

// The methods that run their update on a device (docs/GPU.md); any other
// is a one-line error naming it, never a silent run on the CPU. (The
// projected samplers run their inner method on θ = R x on the device, and
// the reduction and the unseen part on the host.)
void require_on_device(const MethodConfig& config, const Device& device) {
  if (distributed::world().size() > 1)
    fail("--device {} runs as one process (got {} ranks)", device.flag(), distributed::world().size());
  const MethodInfo& method = *find_method(config.name);
  // (importance sampling with --covariance diag has no device path)
  const bool diag_is = config.name == method_name::kIs && config.covariance.kind == "diag";
  std::vector<std::string_view> there;
  for (const MethodInfo& m : method_table())
    if (std::find(m.devices.begin(), m.devices.end(), device.flag()) != m.devices.end())
      there.push_back(m.name);
  if (diag_is ||
      std::find(method.devices.begin(), method.devices.end(), device.flag()) == method.devices.end())
    fail("--device {}: method {} does not run on the GPU yet (there: {}); use --device cpu", device.flag(),
         diag_is ? std::string("is with --covariance diag") : config.name, fmt::join(there, ", "));
}

}  // namespace

std::unique_ptr<Method> make_method(const MethodConfig& config, const Backend& backend, Device* device) {
  validate(config);
  if (!config.base.lr_drop_epochs.empty())
    fail(
        "--lr-drop-epochs: an epoch needs the training set's size; the trainer converts epochs "
        "to --lr-drops (schedules/lr_drops.h)");
  if (device != nullptr) require_on_device(config, *device);
  std::unique_ptr<Method> method = find_method(config.name)->make(config, backend, device);
  if (config.sgd_first > 0)
    return std::make_unique<SgdFirst>(config.sgd_first, std::make_unique<Sgd>(config.sgd.lr, device),
                                      std::move(method));
  return method;
}

}  // namespace valley
