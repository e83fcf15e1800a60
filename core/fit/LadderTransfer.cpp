#include "core/fit/LadderTransfer.h"

#include "core/fit/HyperparameterLaw.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace moescope {

LadderResult ladderResult(const std::string& name, double activeParams, const std::vector<double>& lrs,
                          const std::vector<double>& losses) {
    LadderResult r;
    r.name = name;
    r.activeParams = activeParams;
    double logSum = 0, bestLoss = std::numeric_limits<double>::infinity();
    int n = 0;
    for (size_t i = 0; i < lrs.size(); ++i) {
        if (!(lrs[i] > 0)) continue;
        logSum += std::log(lrs[i]), ++n;
        if (i < losses.size() && std::isfinite(losses[i]) && losses[i] < bestLoss)
            bestLoss = losses[i], r.optimumLr = lrs[i];
    }
    r.centreLr = n > 0 ? std::exp(logSum / n) : 0;
    const double optimum = learningRateOptimum(lrs, losses, r.edge);
    if (std::isfinite(optimum)) r.optimumLr = optimum, r.edge.clear();
    return r;
}

double LadderTransfer::correction(double activeParams) const {
    const double n = std::clamp(activeParams, smallest, largest);
    return std::exp(logCorrection + exponent * std::log(n));
}

LadderTransfer fitLadderTransfer(const std::vector<LadderResult>& ladders) {
    LadderTransfer t;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (const LadderResult& l : ladders) {
        if (!(l.optimumLr > 0 && l.centreLr > 0 && l.activeParams > 0)) continue;
        t.ladders.push_back(l);
        t.smallest = t.ladders.size() == 1 ? l.activeParams : std::min(t.smallest, l.activeParams);
        t.largest = std::max(t.largest, l.activeParams);
        const double x = std::log(l.activeParams), y = std::log(l.optimumLr / l.centreLr);
        sx += x, sy += y, sxx += x * x, sxy += x * y, ++n;
    }
    if (n == 0) throw std::invalid_argument("no ladder has a run with a finite loss");
    const double varX = sxx / n - (sx / n) * (sx / n);
    // Sizes within 1 % of one another carry no slope.
    if (n >= 2 && varX > 1e-4) {
        t.exponent = (sxy / n - (sx / n) * (sy / n)) / varX;
        t.logCorrection = sy / n - t.exponent * sx / n;
    } else {
        t.logCorrection = sy / n;
    }
    int edges = 0;
    for (const LadderResult& l : t.ladders)
        edges += !l.edge.empty();
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "learning-rate ladders: %d ladder(s), %d with the best rate on the edge; "
                  "correction ∝ N_a^%.3g",
                  n, edges, std::fabs(t.exponent) < 1e-9 ? 0.0 : t.exponent);
    t.source = buf;
    return t;
}

bool transferredRate(const std::vector<LadderRuns>& ladders, double plannedLr, double activeParams,
                     double& lr, std::string& source, std::string& error) {
    std::vector<LadderResult> results;
    for (const LadderRuns& l : ladders)
        results.push_back(ladderResult(l.point, l.activeParams, l.lrs, l.losses));
    try {
        const LadderTransfer t = fitLadderTransfer(results);
        lr = plannedLr * t.correction(activeParams);
        source = t.source;
    } catch (const std::invalid_argument& e) {
        error = e.what();
        return false;
    }
    return true;
}

} // namespace moescope
