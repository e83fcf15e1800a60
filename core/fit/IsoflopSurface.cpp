#include "core/fit/IsoflopSurface.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace moescope {

namespace {
using Pt = std::pair<double, double>;

double cross(const Pt& o, const Pt& a, const Pt& b) {
    return (a.first - o.first) * (b.second - o.second) - (a.second - o.second) * (b.first - o.first);
}

// Andrew's monotone chain.
std::vector<Pt> convexHull(std::vector<Pt> p) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    if (p.size() < 3) return p;
    std::vector<Pt> h(2 * p.size());
    size_t k = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0)
            --k;
        h[k++] = p[i];
    }
    for (size_t i = p.size() - 1, t = k + 1; i > 0; --i) {
        while (k >= t && cross(h[k - 2], h[k - 1], p[i - 1]) <= 0)
            --k;
        h[k++] = p[i - 1];
    }
    h.resize(k - 1);
    return h;
}

// Golden-section minimum of f on [a, b] after a coarse scan, so a wiggly high-degree polynomial's
// global minimum on the interval is found, not the nearest local one.
template <typename F> double minimizeOnInterval(F f, double a, double b) {
    if (!(b > a)) return a;
    const int scan = 64;
    int best = 0;
    double bestValue = std::numeric_limits<double>::infinity();
    for (int i = 0; i <= scan; ++i) {
        const double v = f(a + (b - a) * i / scan);
        if (v < bestValue) bestValue = v, best = i;
    }
    double lo = a + (b - a) * std::max(0, best - 1) / scan,
           hi = a + (b - a) * std::min(scan, best + 1) / scan;
    const double g = (std::sqrt(5.0) - 1) / 2;
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    for (int it = 0; it < 45; ++it) {
        if (f(c) < f(d))
            hi = d;
        else
            lo = c;
        c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    }
    const double x = (lo + hi) / 2;
    return f(x) <= bestValue ? x : a + (b - a) * best / scan;
}
} // namespace

double IsoflopSurface::sHat(double s) {
    return -std::log1p(-s);
}
double IsoflopSurface::sparsityFromHat(double h) {
    return -std::expm1(-h);
}

std::string IsoflopSurface::whyUnsupported(const std::vector<IsoflopPoint>& points, const Degrees& d) {
    std::set<double> nLevels, sLevels;
    for (const auto& p : points)
        nLevels.insert(p.params), sLevels.insert(p.sparsity);
    const auto count = [](size_t n) { return std::to_string(n); };
    if (static_cast<int>(points.size()) < d.featureCount())
        return count(points.size()) + " runs, but degrees " + d.toString() + " need at least " +
               count(d.featureCount());
    if (static_cast<int>(nLevels.size()) <= d.n)
        return count(nLevels.size()) + " distinct model sizes, but degree " + std::to_string(d.n) +
               " in log N needs at least " + count(d.n + 1);
    if (static_cast<int>(sLevels.size()) <= std::max(d.s, d.ns > 0 ? 1 : 0))
        return count(sLevels.size()) + " sparsity level(s), but degrees " + d.toString() + " need at least " +
               count(std::max(d.s, d.ns > 0 ? 1 : 0) + 1);
    return {};
}

IsoflopSurface::IsoflopSurface(const std::vector<IsoflopPoint>& points, const Degrees& degrees,
                               const std::vector<int>& rows) {
    const int m = static_cast<int>(points.size());
    Eigen::VectorXd x(m), y(m), l(m);
    for (int i = 0; i < m; ++i) {
        x[i] = std::log(points[i].params);
        y[i] = sHat(points[i].sparsity);
        l[i] = points[i].loss;
    }
    fit_ = fitPolynomial(degrees, x, y, l, rows);
    if (!fit_.ok) throw IsoflopError("the least-squares solve failed for degrees " + degrees.toString());
    std::vector<Pt> pts;
    if (rows.empty())
        for (int i = 0; i < m; ++i)
            pts.emplace_back(x[i], points[i].sparsity);
    else
        for (int i : rows)
            pts.emplace_back(x[i], points[i].sparsity);
    buildDomain(pts);
}

void IsoflopSurface::buildDomain(const std::vector<Pt>& pts) {
    xMin_ = sMin_ = std::numeric_limits<double>::infinity();
    xMax_ = sMax_ = -std::numeric_limits<double>::infinity();
    for (const auto& [x, s] : pts) {
        xMin_ = std::min(xMin_, x), xMax_ = std::max(xMax_, x);
        sMin_ = std::min(sMin_, s), sMax_ = std::max(sMax_, s);
    }
    hull_ = convexHull(pts);
    columns_.reset();
}

const std::vector<std::pair<double, double>>& IsoflopSurface::hullColumns() const {
    if (columns_) return *columns_;
    auto columns = std::make_shared<std::vector<Pt>>();
    for (int i = 0; i <= kGrid; ++i) {
        const double x = xMin_ + (xMax_ - xMin_) * i / kGrid;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (int j = 0; j <= kGrid; ++j) {
            const double s = sMin_ + (sMax_ - sMin_) * j / kGrid;
            if (insideHull(x, s)) lo = std::min(lo, s), hi = std::max(hi, s);
        }
        columns->emplace_back(lo, hi);
    }
    columns_ = std::move(columns);
    return *columns_;
}

void IsoflopSurface::shareDomain(const IsoflopSurface& other) {
    xMin_ = other.xMin_, xMax_ = other.xMax_, sMin_ = other.sMin_, sMax_ = other.sMax_;
    hull_ = other.hull_;
    other.hullColumns();
    columns_ = other.columns_;
}

double IsoflopSurface::loss(double params, double sparsity) const {
    return fit_(std::log(params), sHat(sparsity));
}

bool IsoflopSurface::insideHull(double lx, double s) const {
    if (hull_.size() < 3) {
        // Degenerate hull (one sparsity level, or collinear points): the segment's bounding box.
        return lx >= xMin_ - 1e-12 && lx <= xMax_ + 1e-12 && s >= sMin_ - 1e-12 && s <= sMax_ + 1e-12;
    }
    for (size_t i = 0; i < hull_.size(); ++i)
        if (cross(hull_[i], hull_[(i + 1) % hull_.size()], {lx, s}) < -1e-12) return false;
    return true;
}

double IsoflopSurface::hullMargin(double lx, double s) const {
    const double wx = std::max(xMax_ - xMin_, 1e-12), ws = std::max(sMax_ - sMin_, 1e-12);
    const double u = (lx - xMin_) / wx, v = (s - sMin_) / ws;
    if (hull_.size() < 3) {
        // Degenerate hull: the box, along the axes the data spans.
        double m = std::numeric_limits<double>::infinity();
        if (xMax_ > xMin_) m = std::min({m, u, 1 - u});
        if (sMax_ > sMin_) m = std::min({m, v, 1 - v});
        return std::isfinite(m) ? m : 1.0;
    }
    double m = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < hull_.size(); ++i) {
        const Pt a{(hull_[i].first - xMin_) / wx, (hull_[i].second - sMin_) / ws};
        const auto& next = hull_[(i + 1) % hull_.size()];
        const Pt b{(next.first - xMin_) / wx, (next.second - sMin_) / ws};
        const double length = std::hypot(b.first - a.first, b.second - a.second);
        if (length > 0) m = std::min(m, cross(a, b, {u, v}) / length);
    }
    return m;
}

double IsoflopSurface::optimalSparsity(double params) const {
    const double x = std::log(params);
    const double h = minimizeOnInterval([&](double yh) { return fit_(x, yh); }, sHat(sMin_), sHat(sMax_));
    return sparsityFromHat(h);
}

double IsoflopSurface::optimalParams(double sparsity) const {
    const double y = sHat(sparsity);
    return std::exp(minimizeOnInterval([&](double x) { return fit_(x, y); }, xMin_, xMax_));
}

std::pair<double, double> IsoflopSurface::jointOptimum() const {
    const int grid = kGrid;
    double best = std::numeric_limits<double>::infinity();
    std::pair<double, double> arg{xMin_, sMin_};
    const auto& columns = hullColumns();
    std::vector<double> yHat(grid + 1);
    for (int j = 0; j <= grid; ++j)
        yHat[j] = sHat(sMin_ + (sMax_ - sMin_) * j / grid);
    for (int i = 0; i <= grid; ++i) {
        const double x = xMin_ + (xMax_ - xMin_) * i / grid;
        const auto [lo, hi] = columns[i];
        for (int j = 0; j <= grid; ++j) {
            const double s = sMin_ + (sMax_ - sMin_) * j / grid;
            if (s < lo || s > hi) continue;
            const double v = fit_(x, yHat[j]);
            if (v < best) best = v, arg = {x, s};
        }
    }
    // Polish along each axis within one grid cell, staying in the hull.
    double x = arg.first, s = arg.second;
    const double dx = (xMax_ - xMin_) / grid, ds = (sMax_ - sMin_) / grid;
    for (int round = 0; round < 3; ++round) {
        const double nx =
            minimizeOnInterval([&](double t) { return insideHull(t, s) ? fit_(t, sHat(s)) : 1e300; },
                               std::max(xMin_, x - dx), std::min(xMax_, x + dx));
        if (insideHull(nx, s)) x = nx;
        if (ds > 0) {
            const double ns =
                minimizeOnInterval([&](double t) { return insideHull(x, t) ? fit_(x, sHat(t)) : 1e300; },
                                   std::max(sMin_, s - ds), std::min(sMax_, s + ds));
            if (insideHull(x, ns)) s = ns;
        }
    }
    return {std::exp(x), s};
}

} // namespace moescope
