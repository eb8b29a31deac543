#include "probability_values.hpp"

#include <cmath>

#include "minerisk/engine/errors.hpp"

namespace minerisk::ops {

void infinities_as_no_data(std::vector<float>& values) {
  for (float& v : values)
    if (std::isinf(v)) v = NAN;
}

void require_probabilities(std::span<const float> values, const std::string& what) {
  for (float v : values) {
    if (probability_or_missing(v)) continue;
    // A whole number far from [0, 1] is most often a no-data value the file does not declare.
    const bool marker = v == std::round(v) && std::abs(v) >= 9;
    throw UserError(what + " holds " + number_text(v) + ", not a probability in [0, 1]; give a probability grid (an " +
                    "output of minerisk run, or a sweep's mean or p95)" +
                    (marker ? ", or, if " + number_text(v) + " marks cells without data, declare it the file's no-data "
                              "value (gdal_edit -a_nodata " + number_text(v) + " FILE)"
                            : std::string()));
  }
}

}  // namespace minerisk::ops
