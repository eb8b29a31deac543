#include "minerisk/engine/stage_times.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace minerisk {

void StageTimes::add_work(const std::string& name, double seconds) {
  std::lock_guard lock(mutex_);
  work_[name] += seconds;
}

void StageTimes::mark_phase(const std::string& name) {
  std::lock_guard lock(mutex_);
  const Clock::time_point now = Clock::now();
  phases_.emplace_back(name, std::chrono::duration<double>(now - last_mark_).count());
  last_mark_ = now;
}

void StageTimes::add_tile(int64_t index, int rank, double seconds) {
  std::lock_guard lock(mutex_);
  tiles_.push_back({index, rank, seconds});
}

std::string StageTimes::json(const std::string& command, int threads, int ranks) const {
  std::lock_guard lock(mutex_);
  nlohmann::ordered_json j;
  j["command"] = command;
  j["wall_seconds"] = std::chrono::duration<double>(Clock::now() - start_).count();
  j["threads"] = threads;
  j["ranks"] = ranks;
  j["stages"] = nlohmann::ordered_json::object();
  for (const auto& [name, seconds] : phases_) j["stages"][name] = seconds;
  j["tile_work"] = nlohmann::ordered_json::object();
  for (const auto& [name, seconds] : work_) j["tile_work"][name] = seconds;
  std::vector<Tile> tiles = tiles_;
  std::sort(tiles.begin(), tiles.end(), [](const Tile& a, const Tile& b) { return a.index < b.index; });
  j["tiles"] = nlohmann::ordered_json::array();
  for (const Tile& t : tiles) j["tiles"].push_back({{"index", t.index}, {"rank", t.rank}, {"seconds", t.seconds}});
  return j.dump(1) + "\n";
}

}  // namespace minerisk
