#include "core/fit/FrontierTrends.h"

#include "core/fit/Statistics.h"

#include <algorithm>
#include <cmath>

namespace moescope {

// Weighted least squares of y = logK + exponent·(x − x0), reported about x = 0.
PowerTrend fitPower(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w,
                    double x0) {
    double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < x.size(); ++i)
        if (std::isfinite(y[i])) sw += w[i], sx += w[i] * (x[i] - x0), sy += w[i] * y[i];
    PowerTrend t;
    if (sw <= 0) return t;
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < x.size(); ++i)
        if (std::isfinite(y[i]))
            sxx += w[i] * (x[i] - x0 - mx) * (x[i] - x0 - mx), sxy += w[i] * (x[i] - x0 - mx) * (y[i] - my);
    if (sxx <= 0) return t;
    t.exponent = sxy / sxx;
    t.logK = my - t.exponent * (mx + x0);
    return t;
}

// Weighted least squares of L = E + A·exp(−α(x − x0)) over α ≥ 0, A ≥ 0, 0 ≤ E < min L (E fixed when
// `floor` is given). Given α the model is linear in (E, A), so the fit is a one-dimensional profile over α.
LossTrend fitLoss(const std::vector<double>& x, const std::vector<double>& l, const std::vector<double>& w,
                  double x0, std::optional<double> floor) {
    const double lMin = *std::min_element(l.begin(), l.end());
    const double eMax = lMin * (1 - 1e-6);
    struct Solution {
        double e = 0, a = 0, sse = INFINITY;
    };
    auto solve = [&](double alpha) {
        std::vector<double> u(x.size());
        for (size_t i = 0; i < x.size(); ++i)
            u[i] = std::exp(-alpha * (x[i] - x0));
        // A for a given E, clamped at 0, and the weighted SSE.
        auto withFloor = [&](double e) {
            Solution s;
            double num = 0, den = 0;
            for (size_t i = 0; i < x.size(); ++i)
                num += w[i] * (l[i] - e) * u[i], den += w[i] * u[i] * u[i];
            s.e = e;
            s.a = den > 0 ? std::max(0.0, num / den) : 0;
            s.sse = 0;
            for (size_t i = 0; i < x.size(); ++i) {
                const double r = l[i] - e - s.a * u[i];
                s.sse += w[i] * r * r;
            }
            return s;
        };
        if (floor) return withFloor(*floor);
        // The unconstrained 2×2 normal equations; a solution outside [0, eMax] lies on a bound.
        double sw = 0, su = 0, suu = 0, sl = 0, sul = 0;
        for (size_t i = 0; i < x.size(); ++i)
            sw += w[i], su += w[i] * u[i], suu += w[i] * u[i] * u[i], sl += w[i] * l[i],
                sul += w[i] * u[i] * l[i];
        const double det = sw * suu - su * su;
        const double e = std::fabs(det) > 1e-300 ? (sl * suu - su * sul) / det : 0;
        Solution best = withFloor(std::clamp(e, 0.0, eMax));
        for (double bound : {0.0, eMax}) {
            const Solution b = withFloor(bound);
            if (b.sse < best.sse) best = b;
        }
        return best;
    };
    const int n = 60;
    const double hi = 3.0;
    int bi = 0;
    double bestSse = INFINITY;
    for (int i = 1; i <= n; ++i) {
        const double sse = solve(hi * i / n).sse;
        if (sse < bestSse) bestSse = sse, bi = i;
    }
    double a = hi * std::max(0, bi - 1) / n, b = hi * std::min(n, bi + 1) / n;
    const double g = (std::sqrt(5.0) - 1) / 2;
    for (int it = 0; it < 40; ++it) {
        const double c = b - g * (b - a), d = a + g * (b - a);
        const double fc = solve(c).sse, fd = solve(d).sse;
        (fc < fd ? b : a) = fc < fd ? d : c;
    }
    const double alpha = (a + b) / 2;
    const Solution s = solve(alpha);
    LossTrend t;
    if (!(s.a > 0)) return t;
    t.floor = s.e;
    t.alpha = alpha;
    t.logA = std::log(s.a) + alpha * x0; // A·exp(−α(x − x0)) = A·e^{α x0}·C^−α
    return t;
}

double studentT975(int dof) {
    static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                   2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                   2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (dof < 1) return std::nan("");
    if (dof <= 30) return table[dof - 1];
    return 1.959964 + 2.37 / dof; // within 0.001 of the exact quantile beyond 30
}

double TrendScatter::halfWidth(double x) const {
    const int dof = n - parameters;
    if (dof < 1 || !std::isfinite(s) || !(sxx > 0)) return std::nan("");
    return studentT975(dof) * s * std::sqrt(1 + 1.0 / n + (x - xMean) * (x - xMean) / sxx);
}

TrendScatter scatterAbout(const std::vector<double>& x, const std::vector<double>& residuals,
                          int parameters) {
    TrendScatter t;
    t.parameters = parameters;
    std::vector<double> xs, rs;
    for (size_t i = 0; i < x.size() && i < residuals.size(); ++i)
        if (std::isfinite(residuals[i])) xs.push_back(x[i]), rs.push_back(residuals[i]);
    t.n = static_cast<int>(xs.size());
    if (t.n == 0) return t;
    t.xMean = mean(xs);
    double ss = 0;
    for (size_t i = 0; i < xs.size(); ++i)
        t.sxx += (xs[i] - t.xMean) * (xs[i] - t.xMean), ss += rs[i] * rs[i];
    if (t.n > parameters) t.s = std::sqrt(ss / (t.n - parameters));
    return t;
}

Band bootstrapBand(double estimate, const std::vector<double>& samples, bool logScale) {
    Band b{estimate, std::nan(""), std::nan("")};
    if (!std::isfinite(estimate) || (logScale && !(estimate > 0))) return b;
    std::vector<double> v;
    v.reserve(samples.size());
    for (double x : samples)
        if (std::isfinite(x) && (!logScale || x > 0)) v.push_back(logScale ? std::log(x) : x);
    if (v.size() < 2) return b;
    const double mid = percentile(v, 0.5), lo = percentile(v, 0.025), hi = percentile(v, 0.975);
    if (!(hi > lo)) return b; // no spread: no interval rather than one of zero width
    const double centre = logScale ? std::log(estimate) : estimate, shift = centre - mid;
    b.lo = logScale ? std::exp(lo + shift) : lo + shift;
    b.hi = logScale ? std::exp(hi + shift) : hi + shift;
    return b;
}

Band withScatter(Band band, double h, bool logScale) {
    if (!std::isfinite(h) || !std::isfinite(band.value) || (logScale && !(band.value > 0))) return band;
    const double v = logScale ? std::log(band.value) : band.value;
    auto side = [&](double bound) {
        if (!std::isfinite(bound) || (logScale && !(bound > 0))) return 0.0;
        return std::fabs((logScale ? std::log(bound) : bound) - v);
    };
    const double down = std::hypot(side(band.lo), h), up = std::hypot(side(band.hi), h);
    band.lo = logScale ? std::exp(v - down) : v - down;
    band.hi = logScale ? std::exp(v + up) : v + up;
    return band;
}

double standardError(const Band& band, bool logScale) {
    if (!std::isfinite(band.lo) || !std::isfinite(band.hi) || (logScale && !(band.lo > 0))) return 0;
    const double width = logScale ? std::log(band.hi / band.lo) : band.hi - band.lo;
    return width > 0 ? width / (2 * 1.959964) : 0;
}

} // namespace moescope
