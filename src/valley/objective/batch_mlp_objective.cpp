#include "valley/objective/batch_mlp_objective.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/objective/row_space.h"

namespace valley {

BatchMlpObjective::BatchMlpObjective(const NetSpec& spec, const Backend& backend)
    : backend_(backend), spec_(spec) {
  for (int t = 0; t < backend.n_threads(); ++t) {
    workers_.push_back(std::make_unique<Mlp<float>>(spec));
    xi_.emplace_back(spec.n_params());
  }
}

std::unique_ptr<Reduction> BatchMlpObjective::make_reduction() {
  return std::make_unique<RowSpaceReduction>(spec_, batch_, backend_);
}

double BatchMlpObjective::compute_loss(ConstVecRef x) {
  return workers_[0]->loss(x.data(), batch_.images.data(), batch_.labels.data(), batch_.batch_size);
}

double BatchMlpObjective::compute_gradient(ConstVecRef x, VecRef grad) {
  const int n_1 = spec_.widths[1];
  if (!splits_first_layer(spec_, batch_.batch_size))
    return workers_[0]->loss_and_gradient(x.data(), batch_.images.data(), batch_.labels.data(),
                                          batch_.batch_size, grad.data());
  // Layer 1 in kUnitPieces fixed column ranges — the same ranges for any
  // thread count, so the sums (and f, ∇f) do not depend on it.
  const int batch_size = batch_.batch_size;
  const auto unit = [&](int64_t piece) {
    return static_cast<int>((n_1 * piece / kUnitPieces + 7) / 8 * 8);  // 32-byte aligned columns
  };
  const auto columns = [&](int64_t piece) { return std::pair{unit(piece), std::min(unit(piece + 1), n_1)}; };
  z1_.resize(static_cast<std::size_t>(batch_size) * n_1);
  dz1_.resize(z1_.size());
  // Calls on_columns(c0, c1) for every piece, the pieces spread over threads
  // when that is faster (split_choice_), else in turn on this one.
  const bool can_split = backend_.concurrent();
  const bool split = can_split && split_choice_.split();
  const auto for_each_piece = [&](const auto& on_columns) {
    const auto pieces = [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const auto [c0, c1] = columns(p);
        on_columns(c0, c1);
      }
    };
    if (split)
      backend_.parallel_for(kUnitPieces, [&](int, int64_t begin, int64_t end) { pieces(begin, end); });
    else
      pieces(0, kUnitPieces);
  };
  const auto start = std::chrono::steady_clock::now();
  const Mlp<float>& mlp = *workers_[0];
  for_each_piece([&](int c0, int c1) {
    mlp.first_layer(x.data(), batch_.images.data(), batch_size, z1_.data(), c0, c1);
  });
  const double f = workers_[0]->gradient_above_first_layer(x.data(), z1_.data(), batch_.labels.data(),
                                                           batch_size, grad.data(), dz1_.data());
  for_each_piece([&](int c0, int c1) {
    mlp.first_layer_gradient(batch_.images.data(), batch_size, dz1_.data(), grad.data(), c0, c1);
  });
  if (can_split && !split_choice_.decided())
    split_choice_.record(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return f;
}

void BatchMlpObjective::prepare_centre() {
  centre_z1_.resize(static_cast<std::size_t>(batch_.batch_size) * spec_.widths[1]);
  workers_[0]->first_layer(centre().data(), batch_.images.data(), batch_.batch_size, centre_z1_.data());
}

double BatchMlpObjective::compute_perturbed_loss(ConstVecRef xi, int worker) {
  return workers_[static_cast<std::size_t>(worker)]->perturbed_loss(centre().data(), centre_z1_.data(),
                                                                    sigma(), xi.data(), batch_.images.data(),
                                                                    batch_.labels.data(), batch_.batch_size);
}

void BatchMlpObjective::compute_perturbed_gradient_sum(int64_t n_draws, const DrawFn& draw, VecRef grad_sum) {
  const int batch_size = batch_.batch_size;
  const int n_1 = spec_.widths[1];
  const std::size_t dz1_size = static_cast<std::size_t>(batch_size) * n_1;
  const int64_t rest = spec_.n_layers() >= 2 ? spec_.weights_offset(2) : spec_.n_params();
  dz1_parts_.resize(dz1_size * static_cast<std::size_t>(n_draws));
  rest_parts_.resize(spec_.n_params() - rest, n_draws);
  // Each draw's parts are kept apart and summed in draw order below, so the
  // result does not depend on how the draws were spread over threads — or
  // over ranks: rank r computes the parts of its contiguous share of the
  // draws, and every rank gathers all parts (a copy, exact) and sums them in
  // draw order itself.
  distributed::Communicator& comm = distributed::world();
  const distributed::Share mine = distributed::share_of(n_draws, comm.rank(), comm.size());
  backend_.parallel_for(mine.end - mine.begin, [&](int thread, int64_t begin, int64_t end) {
    Mlp<float>& mlp = *workers_[static_cast<std::size_t>(thread)];
    Vec& xi = xi_[static_cast<std::size_t>(thread)];
    for (int64_t m = mine.begin + begin; m < mine.begin + end; ++m) {
      draw(m, {xi.data(), static_cast<std::size_t>(xi.size())});
      mlp.perturbed_gradient_parts(
          centre().data(), centre_z1_.data(), sigma(), xi.data(), batch_.images.data(), batch_.labels.data(),
          batch_size, dz1_parts_.data() + static_cast<std::size_t>(m) * dz1_size, rest_parts_.col(m).data());
    }
  });
  if (comm.size() > 1) {
    std::vector<int64_t> counts(static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r) {
      const distributed::Share share = distributed::share_of(n_draws, r, comm.size());
      counts[static_cast<std::size_t>(r)] = share.end - share.begin;
    }
    const auto gather = [&](float* data, int64_t per_draw) {
      std::vector<int64_t> sizes(counts);
      for (int64_t& size : sizes) size *= per_draw;
      comm.all_gather({data, static_cast<std::size_t>(n_draws * per_draw)}, sizes);
    };
    gather(dz1_parts_.data(), static_cast<int64_t>(dz1_size));
    gather(rest_parts_.data(), rest_parts_.rows());
  }
  // Σ_m ∂f/∂z_1^(m), then ∇_{W_1} = Xᵀ (Σ_m ∂f/∂z_1^(m)) and ∇_{b_1} = its column sums.
  dz1_sum_.assign(dz1_size, 0.0f);
  for (int64_t m = 0; m < n_draws; ++m)
    for (std::size_t i = 0; i < dz1_size; ++i)
      dz1_sum_[i] += dz1_parts_[static_cast<std::size_t>(m) * dz1_size + i];
  workers_[0]->first_layer_gradient(batch_.images.data(), batch_size, dz1_sum_.data(), grad_sum.data(), 0,
                                    n_1);
  auto tail = grad_sum.tail(spec_.n_params() - rest);
  tail.setZero();
  for (int64_t m = 0; m < n_draws; ++m) tail += rest_parts_.col(m);
}

MlpBatch device_batch_of(Objective& f, std::string_view method) {
  auto* mlp = dynamic_cast<BatchMlpObjective*>(&f);
  if (mlp == nullptr) fail("--device: method {} runs on the GPU for a network's loss only", method);
  if (mlp->fresh_inner_batches())
    fail(
        "--device: method {} with --inner-batch fresh does not run on the GPU (one minibatch per update "
        "only)",
        method);
  const Minibatch& batch = mlp->batch();
  return {&mlp->spec(), batch.images.data(), batch.labels.data(), batch.batch_size};
}

}  // namespace valley
