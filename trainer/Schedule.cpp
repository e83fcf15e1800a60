#include "trainer/Schedule.h"

#include "core/model/WsdSchedule.h"

#include <algorithm>
#include <cmath>

namespace moescope::trainer {

int64_t warmupSteps(const TrainerOptions& o, int64_t total) {
    return o.warmup >= 0 ? o.warmup : std::max<int64_t>(1, total / 20);
}

int64_t decayStart(const TrainerOptions& o, int64_t total) {
    if (o.schedule != "wsd") return total;
    return wsdDecayStart(total, warmupSteps(o, total), o.decayFrac);
}

double learningRate(const TrainerOptions& o, int64_t step, int64_t total) {
    const int64_t warm = warmupSteps(o, total);
    if (step < warm) return o.lr * double(step + 1) / double(warm);
    if (o.schedule == "wsd") {
        const int64_t start = decayStart(o, total);
        if (step < start) return o.lr;
        // Progress through the cooldown reaches 1 at the last step, so the final update has a rate of 0
        // only after it: the last step still learns.
        const double t = double(step - start + 1) / double(std::max<int64_t>(1, total - start + 1));
        if (o.decayShape == "linear") return o.lr * (1.0 - t);
        if (o.decayShape == "cosine") return o.lr * 0.5 * (1.0 + std::cos(M_PI * t));
        return o.lr * (1.0 - std::sqrt(t)); // "sqrt", Hägele et al.'s 1 − √t: their best cooldown
    }
    const double progress = double(step - warm) / double(std::max<int64_t>(1, total - warm));
    return o.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress))));
}

} // namespace moescope::trainer
