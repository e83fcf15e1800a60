#include "core/fit/Outliers.h"

#include "core/fit/Parallel.h"
#include "core/fit/Statistics.h"

#include <cmath>

namespace moescope {

std::vector<double> outlierScores(const ParametricLaw& law, const std::vector<LawPoint>& train,
                                  const std::vector<LawPoint>& heldOut, const std::vector<double>& fitted,
                                  const LawFitOptions& o) {
    std::vector<double> residuals(train.size() + heldOut.size(), std::nan(""));
    // One descent per left-out point, from the full fit: it is already near the leave-one-out optimum.
    parallelFor(train.size(), threadCount(o.threads), [&](size_t i, size_t) {
        std::vector<LawPoint> rest;
        rest.reserve(train.size() - 1);
        for (size_t k = 0; k < train.size(); ++k)
            if (k != i) rest.push_back(train[k]);
        std::vector<double> p = fitted;
        if (std::isfinite(refit(law, rest, p, o))) residuals[i] = law.residual(p, train[i]);
    });
    for (size_t i = 0; i < heldOut.size(); ++i)
        residuals[train.size() + i] = law.residual(fitted, heldOut[i]);

    std::vector<double> sample;
    for (size_t i = 0; i < train.size(); ++i)
        if (std::isfinite(residuals[i])) sample.push_back(residuals[i]);
    const double median = percentile(sample, 0.5);
    std::vector<double> deviations;
    for (double r : sample)
        deviations.push_back(std::fabs(r - median));
    const double scale = 1.4826 * percentile(deviations, 0.5);
    std::vector<double> z(residuals.size(), std::nan(""));
    if (!(scale > 0)) return z;
    for (size_t i = 0; i < residuals.size(); ++i)
        z[i] = (residuals[i] - median) / scale;
    return z;
}

} // namespace moescope
