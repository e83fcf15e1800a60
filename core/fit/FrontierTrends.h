#pragma once
// The trends a frontier fits across budgets — N*(C), N_a*(C), D*(C) as power laws and L*(C) = E + A·C^−α —
// and the intervals it reports for them. An interval is a promise about a budget nobody ran, so it holds two
// parts: the spread of each budget's own optimum (its bootstrap replicates carried through the fit) and the
// scatter of the optima about the trend (a t prediction interval on the residuals, which grows with the
// distance from the budgets fitted). Without the second, optima lying ±0.01 nats off a power law gave an
// interval a millionth of a nat wide.
#include "core/fit/Frontier.h"

#include <optional>
#include <vector>

namespace moescope {

// Weighted least squares of y = logK + exponent·(x − x0), reported about x = 0.
PowerTrend fitPower(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w,
                    double x0);
// Weighted least squares of L = E + A·exp(−α(x − x0)) over α ≥ 0, A ≥ 0, 0 ≤ E < min L (E fixed when
// `floor` is given).
LossTrend fitLoss(const std::vector<double>& x, const std::vector<double>& l, const std::vector<double>& w,
                  double x0, std::optional<double> floor);

// Student's t 0.975 quantile (the 95 % two-sided interval's) for `dof` ≥ 1 degrees of freedom.
double studentT975(int dof);

TrendScatter scatterAbout(const std::vector<double>& x, const std::vector<double>& residuals, int parameters);

// The 95 % interval of `estimate` from bootstrap samples: their 2.5 and 97.5 % points, shifted (in log space
// when `logScale`) so that their median is the estimate — it always holds the estimate, keeps the samples'
// spread and skew, and is empty (NaN bounds) when the samples do not spread at all.
Band bootstrapBand(double estimate, const std::vector<double>& samples, bool logScale);
// `band` widened by a prediction half-width (in log space when logScale), the two combined in quadrature on
// each side; a NaN half-width leaves it as it is.
Band withScatter(Band band, double halfWidth, bool logScale);
// The standard error a 95 % band implies: its width (in log space when logScale) over 2 · 1.96; 0 when it has
// no interval.
double standardError(const Band& band, bool logScale);

} // namespace moescope
