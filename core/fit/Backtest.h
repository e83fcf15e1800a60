#pragma once
// How well extrapolation held on a sweep: every method fitted on the runs a filter selects (by default all
// but the largest budget), the recommended one's L*, N* compared with each held-out budget's own isoFLOP
// optimum, and every law's held-out runs scored. `moescope-cli backtest` and the window's Validate view.
#include "core/fit/Extrapolation.h"

#include <map>
#include <string>
#include <vector>

namespace moescope {

struct BacktestRow {
    double budget = 0, sparsity = 0;
    std::string method;
    FrontierPoint predicted;
    bool observed = false; // the held-out budget's own isoFLOP optimum exists and is interior
    double observedLoss = std::nan(""), observedParams = std::nan("");
    std::string observedProblem;
    double lossError = std::nan(""),
           paramsRelError = std::nan(""); // predicted − observed; predicted/observed − 1
    // Held: L* within the tolerance; N* within the N tolerance or the observed N* inside the predicted band.
    bool lossHeld = false, paramsHeld = false;
};

struct LawScore {
    std::string law;
    int trainN = 0, heldoutN = 0;
    double trainRmse = std::nan(""), heldoutRmse = std::nan(""), heldoutMaxAbs = std::nan("");
    std::string problem;
};

struct BacktestResult {
    std::string train; // the training filter
    Recommendation recommendation;
    std::vector<BacktestRow> frontier;             // the recommended method's predictions
    std::map<std::string, double> methodLossError; // every method's mean |L* error| on the held-out
    std::vector<LawScore> laws;
    std::map<std::string, std::string> problems; // methods that could not be fitted
    double tolerance = 0, nTolerance = 0;
    bool pass = false; // every compared optimum held on L* and on N*
    bool lossPass = false, paramsPass = false;
    std::string verdict; // one line: why it passed or failed
};
// The N* half of the verdict: the prediction's relative error within `tolerance`, or the observed N* inside
// the predicted interval.
bool paramsHeld(const Band& predicted, double observed, double tolerance);

// `train`: a filter over the runs (`flops<1e21`); empty: every budget but the largest. Throws
// std::invalid_argument naming --train for a filter that is malformed, names no column, or leaves no run
// on either side; Cancelled.
BacktestResult backtest(const RunTable& runs, const std::string& train, const ExtrapolationOptions& options);

} // namespace moescope
