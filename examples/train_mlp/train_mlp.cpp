// Trains a 784-200-10 network with local entropy (importance sampling,
// Alg. 4) through the library. Usage: train_mlp OUT_DIR [DATA_DIR]
#include <cstdio>

#include <valley/valley.h>

int main(int argc, char** argv) try {
  if (argc < 2) return std::fprintf(stderr, "usage: train_mlp OUT_DIR [DATA_DIR]\n"), 2;
  valley::TrainConfig config;  // the CLI's defaults
  config.method.name = "is";
  config.method.regularization.tau = 0.01;
  config.method.n_samples = 100;
  config.n_updates = 200;
  config.eval_every = 50;
  config.out_dir = argv[1];
  config.overwrite = true;
  if (argc > 2) config.data_dir = argv[2];
  valley::validate(config);
  const valley::DataSplit data = valley::load_training_data(config);
  valley::TrainingRun run(config, data);
  while (!run.finished()) run.run_update();  // one update at a time: a place for hooks
  for (const valley::MetricsRow& row : run.finish().rows)
    std::printf("update %4lld  held-out accuracy %.3f  train loss %.4f\n", static_cast<long long>(row.update),
                row.test_accuracy, row.train_loss);
} catch (const valley::Error& e) {
  std::fprintf(stderr, "train_mlp: %s\n", valley::one_line(e.what()).c_str());
  return 2;
}
