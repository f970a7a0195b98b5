#include "valley/model/net_fit.h"

#include <algorithm>

#include "valley/core/error.h"

namespace valley {
namespace {

void check_inputs(const NetSpec& net, const Dataset& data, const std::string& who) {
  if (net.n_inputs() != data.pixels())
    fail("{}: the net {} takes {} inputs, but the images of {} have {}x{} = {} pixels", who, net.str(),
         net.n_inputs(), data.source, data.rows, data.cols, data.pixels());
}

void check_outputs(const NetSpec& net, int classes, const std::string& source, const std::string& who) {
  if (net.n_outputs() != classes)
    fail(
        "{}: the net {} has {} outputs, but {} holds {} classes (labels 0–{}); the net needs "
        "one output per class",
        who, net.str(), net.n_outputs(), source, classes, classes - 1);
}

}  // namespace

int n_classes(const uint8_t* labels, int64_t n) {
  if (n < 1) return 0;
  return *std::max_element(labels, labels + n) + 1;
}

int n_classes(const Dataset& data) {
  return n_classes(data.labels.data(), static_cast<int64_t>(data.labels.size()));
}

void check_net_fits_data(const NetSpec& net, const Dataset& data, const std::string& who) {
  check_inputs(net, data, who);
  check_outputs(net, n_classes(data), data.source, who);
}

void check_net_fits_data(const NetSpec& net, const DataSplit& data, const std::string& who) {
  check_inputs(net, data.train, who);
  check_inputs(net, data.test, who);
  const int train = n_classes(data.train);
  const int test = n_classes(data.test);
  check_outputs(net, std::max(train, test), test > train ? data.test.source : data.train.source, who);
}

void check_labels_are_outputs(const NetSpec& net, const uint8_t* labels, int64_t n,
                              const std::string& source) {
  const int classes = n_classes(labels, n);
  if (classes > net.n_outputs())
    fail("the net {} has {} outputs, but {} holds label {}; the net needs one output per class", net.str(),
         net.n_outputs(), source, classes - 1);
}

}  // namespace valley
