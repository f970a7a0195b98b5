// Whether a network fits a data set: one input per pixel and one output per
// class. The cross-entropy reads the output of each image's label, so a net
// with fewer outputs than the data has classes would read past the end of
// each row of outputs; every place that puts a net and data together
// (training, evaluation, flatness, the objectives of the library) checks
// here first.
#pragma once

#include <cstdint>
#include <string>

#include "valley/data/dataset.h"
#include "valley/model/net_spec.h"

namespace valley {

// The classes of labelled images: one more than the largest label (labels
// are 0, 1, …, K − 1); 0 for none.
int n_classes(const uint8_t* labels, int64_t n);
int n_classes(const Dataset& data);

// Fails unless `net` takes the images of `data` (inputs = pixels) and has
// one output per class of the data (outputs = classes). `who` starts the
// message and names where the net came from ("--net", "--model runs/a").
void check_net_fits_data(const NetSpec& net, const Dataset& data, const std::string& who);
// The same for a training set and its held-out set; the classes are those
// of both together.
void check_net_fits_data(const NetSpec& net, const DataSplit& data, const std::string& who);

// The guard of the library's objectives: fails unless every label of
// labels[0..n) is an output of `net` (a label without an output would be
// read past the end of a row of outputs).
void check_labels_are_outputs(const NetSpec& net, const uint8_t* labels, int64_t n,
                              const std::string& source);

}  // namespace valley
