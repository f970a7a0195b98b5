#include <cmath>

#include "valley/core/error.h"
#include "valley/methods/method.h"
#include "valley/methods/sgd.h"

namespace valley {

void validate(const MethodConfig& config) {
  if (!(std::isfinite(config.sgd.lr) && config.sgd.lr > 0))
    fail("--lr must be a finite number > 0 (got {})", config.sgd.lr);
}

std::unique_ptr<Method> make_method(const MethodConfig& config, const Backend& /*backend*/) {
  validate(config);
  if (config.name == "sgd") return std::make_unique<Sgd>(config.sgd.lr);
  fail("--method: unknown method '{}' (valid: sgd)", config.name);
}

}  // namespace valley
