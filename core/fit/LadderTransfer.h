#pragma once
// Learning-rate ladders inside a calibration sweep (#33 point 3, ARCHITECTURE.md §4): `plan-sweep
// --lr-ladder K` trains K rates around the law's prediction on each size of the smallest budget. Each
// ladder's optimum over its centre says how far the law is off at that size; that correction, a power law in
// N_a across the ladders, moves the law's rate for every later run of the sweep.
#include "core/model/LadderRuns.h"

#include <string>
#include <vector>

namespace moescope {

struct LadderResult {
    std::string name; // the sweep point the ladder trains (its runs share it)
    double activeParams = 0;
    double centreLr = 0;  // the law's prediction: the geometric middle of the rates tried
    double optimumLr = 0; // the quadratic's optimum, or the best rate tried when that lies on the edge
    std::string edge;     // why no interior optimum was placed (empty when one was)
};

// A ladder from its trials (rates and losses; a diverged run's loss is not finite and counts as worst).
LadderResult ladderResult(const std::string& name, double activeParams, const std::vector<double>& lrs,
                          const std::vector<double>& losses);

struct LadderTransfer {
    std::vector<LadderResult> ladders;
    // ln(optimum/centre) = logCorrection + exponent · ln N_a, by least squares over the ladders; exponent 0
    // when the ladders hold one size (or one ladder).
    double logCorrection = 0, exponent = 0;
    double smallest = 0, largest = 0; // the ladders' N_a range
    std::string source;
    // The factor the law's rate is multiplied by for a model of `activeParams`; outside the ladders' sizes,
    // that of the nearest size tried (a slope from one budget's sizes is not extrapolated).
    double correction(double activeParams) const;
};

// Throws std::invalid_argument when no ladder has a finite loss to learn from.
LadderTransfer fitLadderTransfer(const std::vector<LadderResult>& ladders);

// The rate of a run planned at `plannedLr` for a model of `activeParams`, corrected by the finished ladders
// (core/jobs/SweepJobs.h's finishedLadders); false with `error` when no ladder has a run with a finite loss.
// `source` says what the correction rests on.
bool transferredRate(const std::vector<LadderRuns>& ladders, double plannedLr, double activeParams,
                     double& lr, std::string& source, std::string& error);

} // namespace moescope
