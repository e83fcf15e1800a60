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

double ActiveCount::operator()(double params, double sparsity) const {
    if (byLevel_.empty()) return std::nan("");
    const double h = IsoflopSurface::sHat(sparsity);
    auto best = byLevel_.begin();
    for (auto it = byLevel_.begin(); it != byLevel_.end(); ++it)
        if (std::fabs(it->first - h) < std::fabs(best->first - h)) best = it;
    const Level& l = best->second;
    const double x = std::log(params);
    double y;
    if (x <= l.logN.front()) {
        y = l.logActive.front() + l.slopeLow * (x - l.logN.front());
    } else if (x >= l.logN.back()) {
        y = l.logActive.back() + l.slopeHigh * (x - l.logN.back());
    } else {
        const size_t i = std::upper_bound(l.logN.begin(), l.logN.end(), x) - l.logN.begin();
        const double t = (x - l.logN[i - 1]) / (l.logN[i] - l.logN[i - 1]);
        y = l.logActive[i - 1] + t * (l.logActive[i] - l.logActive[i - 1]);
    }
    return std::min(params, std::exp(y));
}

} // namespace moescope
