#include "core/fit/ActiveCount.h"

#include "core/fit/IsoflopSurface.h"

#include <algorithm>
#include <cmath>

namespace moescope {

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
        l.slopeLow = slope(0, std::min(n, tail));
        l.slopeHigh = slope(n - std::min(n, tail), n);
        byLevel_[level] = std::move(l);
    }
}

namespace {

// log N_a at log N within one level: between its knots, or along its end slopes.
double logActiveAt(const std::vector<double>& logN, const std::vector<double>& logActive, double slopeLow,
                   double slopeHigh, double x) {
    if (x <= logN.front()) return logActive.front() + slopeLow * (x - logN.front());
    if (x >= logN.back()) return logActive.back() + slopeHigh * (x - logN.back());
    const size_t i = std::upper_bound(logN.begin(), logN.end(), x) - logN.begin();
    const double t = (x - logN[i - 1]) / (logN[i] - logN[i - 1]);
    return logActive[i - 1] + t * (logActive[i] - logActive[i - 1]);
}

} // namespace

double ActiveCount::operator()(double params, double sparsity) const {
    if (byLevel_.empty()) return std::nan("");
    const double h = IsoflopSurface::sHat(sparsity), x = std::log(params);
    auto at = [&](const Level& l) { return logActiveAt(l.logN, l.logActive, l.slopeLow, l.slopeHigh, x); };
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
