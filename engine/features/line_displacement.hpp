#pragma once
// A sweep's Monte Carlo draw of where the front lines really ran: each line moved sideways by a
// smooth random offset. The offset of a line depends only on the draw's seed and the line's
// key (its feature and part), so a line moves alike in every layer that reads it, filtered or not.
#include <cstdint>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/kernels/line_distance.hpp"

namespace minerisk::features {

/// `lines` are linked segments (prev/next); `line_keys[i]` names the line segment i belongs to.
/// Three sine waves of random phase along each line, with a standard deviation of `sd` metres
/// overall. Vertices move along the mean of their two segments' normals, so a line stays joined
/// at its bends.
std::vector<kernels::Segment> displace_lines(const std::vector<kernels::Segment>& lines,
                                             const std::vector<int64_t>& line_keys, const Grid& grid, double sd,
                                             double wavelength, uint64_t seed);

}  // namespace minerisk::features
