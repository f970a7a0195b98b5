// What a Device (backends/device.h) runs an update on: the network and the
// one minibatch of f. Only the device side of an algorithm
// (sampling/on_device.cpp, methods/on_device.cpp) asks for it; the
// algorithms themselves see f as an Objective.
#pragma once

#include <string_view>

#include "valley/backends/device.h"
#include "valley/objective/objective.h"

namespace valley {

// The network and minibatch of f; a one-line error naming `method` when f
// is not the network's loss on one minibatch per update (the device runs
// only that).
MlpBatch device_batch_of(Objective& f, std::string_view method);

}  // namespace valley
