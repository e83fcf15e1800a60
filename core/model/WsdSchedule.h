#pragma once
// Where a warm-up–stable–decay run's cooldown starts (ARCHITECTURE.md §7). The trainer schedules its
// learning rate by it and the sweep planner places cooldown branches by it: a branch must leave its parent
// exactly where its own cooldown starts, so both sides must count the same step.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace moescope {

// The first cooldown step of a run of `total` steps whose last `decayFrac` of the steps cool down, never
// inside the warm-up.
inline int64_t wsdDecayStart(int64_t total, int64_t warmup, double decayFrac) {
    const auto decay = static_cast<int64_t>(std::llround(decayFrac * double(total)));
    return std::max<int64_t>(warmup, total - std::max<int64_t>(1, decay));
}

} // namespace moescope
