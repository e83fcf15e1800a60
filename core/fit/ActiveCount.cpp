#include "core/fit/ActiveCount.h"

#include "core/fit/IsoflopSurface.h"

#include <algorithm>
#include <cmath>

namespace moescope {

namespace {

// The derivative at each knot of a monotone piecewise-cubic (Fritsch–Butland) through them, the end slopes
// at the ends: the curve is smooth through every run, so a minimum over N cannot lodge on a run's size.
std::vector<double> knotDerivatives(const std::vector<double>& x, const std::vector<double>& y, double low,
                                    double high) {
    const size_t n = x.size();
    std::vector<double> d(n, 1.0);
    if (n == 1) return d;
    std::vector<double> secant(n - 1);
    for (size_t i = 0; i + 1 < n; ++i)
        secant[i] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
    for (size_t i = 1; i + 1 < n; ++i) {
        const double a = secant[i - 1], b = secant[i];
        if (a * b <= 0) {
            d[i] = 0;
            continue;
        }
        const double ha = x[i] - x[i - 1], hb = x[i + 1] - x[i];
        const double wa = 2 * hb + ha, wb = hb + 2 * ha;
        d[i] = (wa + wb) / (wa / a + wb / b);
    }
    // An end slope that would overshoot the neighbouring knot (more than thrice its secant, or of the other
    // sign) is limited, as at an interior knot.
    auto limit = [](double slope, double secant) {
        if (slope * secant <= 0) return 0.0;
        return std::copysign(std::min(std::fabs(slope), 3 * std::fabs(secant)), secant);
    };
    d.front() = limit(low, secant.front());
    d.back() = limit(high, secant.back());
    return d;
}

} // namespace

ActiveCount::ActiveCount(const std::vector<double>& params, const std::vector<double>& sparsity,
                         const std::vector<double>& active) {
    std::map<double, std::vector<std::pair<double, double>>> points;
    for (size_t i = 0; i < params.size() && i < sparsity.size() && i < active.size(); ++i)
        if (active[i] > 0 && params[i] > 0)
            points[IsoflopSurface::sHat(sparsity[i])].emplace_back(std::log(params[i]), std::log(active[i]));
    for (auto& [level, xy] : points) {
        std::sort(xy.begin(), xy.end());
        Level l;
        for (size_t i = 0; i < xy.size();) { // runs of one size become one knot, their mean
            size_t j = i;
            double sum = 0;
            while (j < xy.size() && xy[j].first - xy[i].first < 1e-9)
                sum += xy[j++].second;
            l.logN.push_back(xy[i].first);
            l.logActive.push_back(sum / (j - i));
            i = j;
        }
        // Past the ends: the slope of the outer quarter of the knots (at least two), by least squares.
        auto slope = [&](size_t from, size_t to) {
            if (to - from < 2) return 1.0;
            double mx = 0, my = 0;
            for (size_t i = from; i < to; ++i)
                mx += l.logN[i], my += l.logActive[i];
            mx /= (to - from), my /= (to - from);
            double sxx = 0, sxy = 0;
            for (size_t i = from; i < to; ++i)
                sxx += (l.logN[i] - mx) * (l.logN[i] - mx), sxy += (l.logN[i] - mx) * (l.logActive[i] - my);
            return sxx > 1e-12 ? sxy / sxx : 1.0;
        };
        const size_t n = l.logN.size(), tail = std::max<size_t>(2, n / 4);
        l.derivative = knotDerivatives(l.logN, l.logActive, slope(0, std::min(n, tail)),
                                       slope(n - std::min(n, tail), n));
        byLevel_[level] = std::move(l);
    }
}

namespace {

// log N_a at log N within one level: the cubic Hermite curve between its knots, along its end slopes past
// them.
double logActiveAt(const std::vector<double>& logN, const std::vector<double>& logActive,
                   const std::vector<double>& derivative, double x) {
    if (x <= logN.front()) return logActive.front() + derivative.front() * (x - logN.front());
    if (x >= logN.back()) return logActive.back() + derivative.back() * (x - logN.back());
    const size_t i = std::upper_bound(logN.begin(), logN.end(), x) - logN.begin();
    const double h = logN[i] - logN[i - 1], t = (x - logN[i - 1]) / h;
    const double h00 = (1 + 2 * t) * (1 - t) * (1 - t), h10 = t * (1 - t) * (1 - t),
                 h01 = t * t * (3 - 2 * t), h11 = t * t * (t - 1);
    return h00 * logActive[i - 1] + h10 * h * derivative[i - 1] + h01 * logActive[i] +
           h11 * h * derivative[i];
}

} // namespace

double ActiveCount::operator()(double params, double sparsity) const {
    if (byLevel_.empty()) return std::nan("");
    const double h = IsoflopSurface::sHat(sparsity), x = std::log(params);
    auto at = [&](const Level& l) { return logActiveAt(l.logN, l.logActive, l.derivative, x); };
    // Between two levels, linear in Ŝ, so a surface over S has no steps; beyond them, the nearest level.
    const auto above = byLevel_.lower_bound(h);
    double y;
    if (above == byLevel_.end()) {
        y = at(std::prev(above)->second);
    } else if (above == byLevel_.begin() || above->first == h) {
        y = at(above->second);
    } else {
        const auto below = std::prev(above);
        const double t = (h - below->first) / (above->first - below->first);
        y = (1 - t) * at(below->second) + t * at(above->second);
    }
    return std::min(params, std::exp(y));
}

} // namespace moescope
