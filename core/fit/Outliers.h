#pragma once
// Runs that do not fit the law, flagged robustly: each training point's leave-one-out residual (the law
// refitted without it, so a bad point cannot pull the fit towards itself and hide), scaled by the median
// absolute deviation of all of them: z = (r − median r) / (1.4826 · MAD). |z| > 3.5 is the usual flag
// (Iglewicz & Hoaglin). Flagging never excludes: that stays the user's choice (--exclude-outliers Z).
#include "core/fit/LawFitter.h"

#include <vector>

namespace moescope {

constexpr double kOutlierZ = 3.5;

// The robust z of every point (training points by leave-one-out, held-out ones by the fit's own residual,
// both on the training points' scale); NaN where a refit failed. Throws Cancelled through the options' flag.
std::vector<double> outlierScores(const ParametricLaw& law, const std::vector<LawPoint>& train,
                                  const std::vector<LawPoint>& heldOut, const std::vector<double>& fitted,
                                  const LawFitOptions& options);

} // namespace moescope
