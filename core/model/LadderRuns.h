#pragma once
// The finished runs of one learning-rate ladder of a sweep (#33): core/jobs reads them from a sweep's folder,
// core/fit (LadderTransfer.h) turns them into the rate the later runs train at.
#include <string>
#include <vector>

namespace moescope {

struct LadderRuns {
    std::string point; // the sweep point the ladder trains
    double activeParams = 0;
    std::vector<double> lrs, losses; // a diverged run's loss is +inf
};

} // namespace moescope
