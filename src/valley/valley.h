// valley as a library: the one header a program needs (docs/LIBRARY.md).
//   - api/function_objective.h  bring your own f and ∇f
//   - api/minimize.h            run a method (sgd, sgld, is, heat) with callbacks
//   - api/estimate.h            one estimator alone: E_q X (SGLD, IS), a heat step
//   - methods/method.h          make_method(MethodConfig, Backend) and Method::step
//   - train/trainer.h           train a network as `valley train` does
//   - random/philox_normal.h    the counter-based normals every method draws
#pragma once

#include "valley/api/estimate.h"
#include "valley/api/function_objective.h"
#include "valley/api/minimize.h"
#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/core/version.h"
#include "valley/methods/method.h"
#include "valley/methods/method_config.h"
#include "valley/objective/objective.h"
#include "valley/random/philox_normal.h"
#include "valley/train/model_evaluation.h"
#include "valley/train/train_config.h"
#include "valley/train/trainer.h"
