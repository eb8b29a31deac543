#pragma once
// The scenarios of a sweep: each one the base scenario with its parameters set and its inputs
// drawn (see sweep_draws.cpp).
#include <vector>

#include "../features/feature.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/ops/sweep.hpp"

namespace minerisk::sweep {

// Each tile holds every scenario's probabilities and histograms: this bounds the memory.
constexpr size_t kMaxScenarios = 2000;

/// One scenario: the model's parameters, what it changes in the inputs, and its row of the
/// parameter table.
struct Draw {
  double intercept = 0;
  std::vector<double> weight;                 // per layer
  std::vector<kernels::Transform> transform;  // per layer
  features::InputDraw inputs;
  std::vector<double> values;  // one per axis
};

/// The base scenario as a draw that changes nothing.
Draw base_draw(const Scenario& s);

/// Every scenario of the sweep, in the order of its table (UserError when there are too many).
std::vector<Draw> make_draws(const SweepSpec& spec, const InputSet& in);

}  // namespace minerisk::sweep
