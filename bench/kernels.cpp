// Micro-benchmarks of the kernels an update is made of.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <cblas.h>

#include "valley/model/init.h"
#include "valley/model/hessian_vector_product.h"
#include "valley/model/mlp.h"
#include "valley/model/skinny_gemm.h"
#include "valley/random/philox_normal.h"

namespace {

void BM_FillNormal(benchmark::State& state) {
  std::vector<float> out(static_cast<std::size_t>(state.range(0)));
  uint32_t k = 0;
  for (auto _ : state) {
    valley::fill_normal(valley::NoiseKey{1, valley::Stream::test, k++, 0}, 0, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FillNormal)->Arg(159010);

// The paper's two networks, and the projected samplers' reduced network
// (inputs: a minibatch's row space, r = B = 20).
const char* const kNets[] = {"784-10", "784-200-10", "20-200-10"};

void BM_MlpGradient(benchmark::State& state) {
  const auto spec = valley::NetSpec::parse(kNets[state.range(0)]);
  state.SetLabel(kNets[state.range(0)]);
  valley::Mlp<float> mlp(spec);
  const valley::Vec x = valley::glorot_uniform(spec, 1);
  std::vector<float> images(static_cast<std::size_t>(20 * spec.n_inputs()));
  valley::fill_uniform(valley::NoiseKey{2, valley::Stream::test, 0, 0}, 0, images);
  std::vector<uint8_t> labels(20);
  for (int b = 0; b < 20; ++b) labels[static_cast<std::size_t>(b)] = static_cast<uint8_t>(b % 10);
  std::vector<float> grad(static_cast<std::size_t>(spec.n_params()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(mlp.loss_and_gradient(x.data(), images.data(), labels.data(), 20, grad.data()));
  }
}
BENCHMARK(BM_MlpGradient)->Arg(0)->Arg(1)->Arg(2);

// One Hessian-vector product (R-operator, model/hessian_vector_product.h)
// against one gradient on the same batch: the flatness measures' unit of
// work (target: HVP ≤ 2.5 × gradient). Args: net, batch (20: a minibatch,
// 500: a chunk of valley flatness's subset), what (0 gradient, 1 HVP).
void BM_GradientVsHvp(benchmark::State& state) {
  const auto spec = valley::NetSpec::parse(kNets[state.range(0)]);
  const int batch = static_cast<int>(state.range(1));
  const bool hvp = state.range(2) != 0;
  state.SetLabel(std::string(kNets[state.range(0)]) + (hvp ? " HVP" : " gradient"));
  valley::Mlp<float> mlp(spec);
  valley::HessianVectorProduct<float> r_op(spec);
  const valley::Vec x = valley::glorot_uniform(spec, 1);
  const valley::Vec v = valley::glorot_uniform(spec, 2);
  std::vector<float> images(static_cast<std::size_t>(batch) * spec.n_inputs());
  valley::fill_uniform(valley::NoiseKey{2, valley::Stream::test, 0, 0}, 0, images);
  std::vector<uint8_t> labels(static_cast<std::size_t>(batch));
  for (int b = 0; b < batch; ++b) labels[static_cast<std::size_t>(b)] = static_cast<uint8_t>(b % 10);
  std::vector<float> out(static_cast<std::size_t>(spec.n_params()));
  for (auto _ : state) {
    if (hvp)
      benchmark::DoNotOptimize(
          r_op.apply(x.data(), v.data(), images.data(), labels.data(), batch, out.data()));
    else
      benchmark::DoNotOptimize(
          mlp.loss_and_gradient(x.data(), images.data(), labels.data(), batch, out.data()));
  }
}
BENCHMARK(BM_GradientVsHvp)->ArgsProduct({{1}, {20, 500}, {0, 1}});

// The first layer's two products on a minibatch of 20 — X W (20 × 784 by
// 784 × n) and Xᵀ D (784 × 20 by 20 × n) — with valley's kernel
// (model/skinny_gemm.h) and with OpenBLAS. Args: n, transposed A, kernel
// (0 OpenBLAS, 1 valley).
void BM_FirstLayerGemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool trans_a = state.range(1) != 0;
  const bool skinny = state.range(2) != 0;
  if (skinny && !valley::skinny_gemm_available()) {
    state.SkipWithError("this build has no AVX-512 kernel");
    return;
  }
  const int m = trans_a ? 784 : 20, k = trans_a ? 20 : 784;
  std::vector<float> x(20 * 784), b(static_cast<std::size_t>(k * n)), c(static_cast<std::size_t>(m * n));
  valley::fill_uniform(valley::NoiseKey{3, valley::Stream::test, 0, 0}, 0, x);
  valley::fill_uniform(valley::NoiseKey{4, valley::Stream::test, 0, 0}, 0, b);
  for (auto _ : state) {
    if (skinny)
      valley::skinny_gemm(trans_a, m, n, k, 1.0f, x.data(), 784, b.data(), n, 0.0f, c.data(), n);
    else
      cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, x.data(),
                  784, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP"] = benchmark::Counter(
      2.0 * m * n * k * static_cast<double>(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FirstLayerGemm)->ArgsProduct({{10, 200}, {0, 1}, {0, 1}});

}  // namespace

int main(int argc, char** argv) {
  // One BLAS thread, as in valley itself (backends/cpu sets the same).
  openblas_set_num_threads(1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
