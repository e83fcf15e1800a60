#pragma once
// Cooperative cancellation of long fits: the caller owns an atomic flag, the fitters look at it between
// units of work (a Ceres iteration, a bootstrap replicate, a budget) and leave by throwing Cancelled.
#include <atomic>
#include <stdexcept>

namespace moescope {

using CancelFlag = std::atomic<bool>;

struct Cancelled : std::runtime_error {
    Cancelled() : std::runtime_error("cancelled") {}
};

inline bool isCancelled(const CancelFlag* flag) {
    return flag && flag->load(std::memory_order_relaxed);
}

inline void throwIfCancelled(const CancelFlag* flag) {
    if (isCancelled(flag)) throw Cancelled();
}

} // namespace moescope
