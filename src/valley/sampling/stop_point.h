// A point inside an update where a stop signal (core/stop_signal.h) may end
// the update under way, once the signal has waited a second for it: an update
// that takes longer is abandoned half-done (its x and the method's state are
// neither saved nor used; the run keeps the files of its last whole update,
// TrainingRun::run_update). A shorter update ends first, and the run stops
// between updates with its newest state saved. Only in a process that runs
// alone: the ranks of a distributed run agree to stop between updates.
#pragma once

#include "valley/core/stop_signal.h"
#include "valley/distributed/communicator.h"

namespace valley {

inline constexpr double kStopWithinSeconds = 1.0;

inline void stop_point() {
  if (stop_signal() == 0) return;  // (the common case: one relaxed load)
  if (seconds_since_stop_signal() < kStopWithinSeconds || distributed::world().size() != 1) return;
  throw Interrupted(stop_signal(), "interrupted by " + signal_name(stop_signal()));
}

}  // namespace valley
