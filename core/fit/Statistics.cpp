#include "core/fit/Statistics.h"

#include <algorithm>
#include <cmath>

namespace moescope {

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v)
        s += x;
    return v.empty() ? std::nan("") : s / v.size();
}

double meanSquaredError(const std::vector<double>& p, const std::vector<double>& o) {
    double s = 0;
    for (size_t i = 0; i < p.size(); ++i)
        s += (p[i] - o[i]) * (p[i] - o[i]);
    return p.empty() ? std::nan("") : s / p.size();
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double ma = mean(a), mb = mean(b);
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return (saa > 0 && sbb > 0) ? sab / std::sqrt(saa * sbb) : std::nan("");
}

double rSquared(const std::vector<double>& p, const std::vector<double>& o) {
    const double mo = mean(o);
    double ssRes = 0, ssTot = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        ssRes += (o[i] - p[i]) * (o[i] - p[i]);
        ssTot += (o[i] - mo) * (o[i] - mo);
    }
    return ssTot > 0 ? 1.0 - ssRes / ssTot : std::nan("");
}

double percentile(std::vector<double> v, double p) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
    if (v.empty()) return std::nan("");
    // Two selections instead of a sort: bands ask for thousands of percentiles per redraw.
    const double pos = p * (v.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(pos));
    const double frac = pos - i;
    std::nth_element(v.begin(), v.begin() + i, v.end());
    const double lo = v[i];
    if (i + 1 >= v.size() || frac == 0) return lo;
    const double hi = *std::min_element(v.begin() + i + 1, v.end());
    return lo * (1 - frac) + hi * frac;
}

double median(std::vector<double> v) {
    return percentile(std::move(v), 0.5);
}

double PowerLaw::operator()(double x) const {
    return coefficient * std::pow(x, exponent);
}

PowerLaw fitPowerLaw(const std::vector<double>& x, const std::vector<double>& y) {
    PowerLaw law;
    std::vector<double> lx, ly;
    for (size_t i = 0; i < x.size(); ++i)
        if (x[i] > 0 && y[i] > 0) lx.push_back(std::log(x[i])), ly.push_back(std::log(y[i]));
    law.n = static_cast<int>(lx.size());
    if (lx.size() < 2) return law;
    const double mx = mean(lx), my = mean(ly);
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < lx.size(); ++i)
        sxy += (lx[i] - mx) * (ly[i] - my), sxx += (lx[i] - mx) * (lx[i] - mx);
    if (sxx <= 0) return law;
    law.exponent = sxy / sxx;
    law.coefficient = std::exp(my - law.exponent * mx);
    std::vector<double> pred;
    for (double v : lx)
        pred.push_back(my + law.exponent * (v - mx));
    law.r2 = rSquared(pred, ly);
    return law;
}

} // namespace moescope
