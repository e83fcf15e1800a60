#include "core/fit/ClarkProfile.h"

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace moescope {

namespace {

// E_start = 1 + e^u and E_max = E_start + e^v keep 1 < E_start < E_max for every (u, v).
struct Profile {
    Eigen::ArrayXd log10N, experts;
    Eigen::VectorXd y;

    double eStart(double u) const { return 1.0 + std::exp(u); }
    double eMax(double u, double v) const { return eStart(u) + std::exp(v); }

    // The best a–d for (u, v) in `coefficients`; returns the sum of squared residuals.
    double solve(double u, double v, Eigen::Vector4d* coefficients = nullptr) const {
        const double es = eStart(u), em = eMax(u, v);
        const Eigen::ArrayXd inner = experts - 1.0 + 1.0 / (1.0 / es - 1.0 / em);
        const Eigen::ArrayXd logE = (1.0 / (1.0 / inner + 1.0 / em)).log() / std::log(10.0);
        Eigen::MatrixXd x(y.size(), 4);
        x.col(0) = log10N.matrix();
        x.col(1) = logE.matrix();
        x.col(2) = (log10N * logE).matrix();
        x.col(3).setOnes();
        const Eigen::Vector4d c = x.colPivHouseholderQr().solve(y);
        if (!c.allFinite()) return std::numeric_limits<double>::infinity();
        if (coefficients) *coefficients = c;
        return (x * c - y).squaredNorm();
    }
};

// Nelder–Mead on the profile, from `start`, with an initial simplex of `step` in both directions.
std::array<double, 2> nelderMead(const Profile& f, std::array<double, 2> start, double step) {
    std::array<std::array<double, 2>, 3> s = {start, start, start};
    s[1][0] += step;
    s[2][1] += step;
    std::array<double, 3> fs;
    for (int i = 0; i < 3; ++i)
        fs[i] = f.solve(s[i][0], s[i][1]);
    for (int iteration = 0; iteration < 400; ++iteration) {
        std::array<int, 3> order = {0, 1, 2};
        std::sort(order.begin(), order.end(), [&](int a, int b) { return fs[a] < fs[b]; });
        const int best = order[0], mid = order[1], worst = order[2];
        if (std::fabs(fs[worst] - fs[best]) <= 1e-14 * std::max(1e-300, fs[best]) + 1e-300) break;
        const std::array<double, 2> centre = {(s[best][0] + s[mid][0]) / 2, (s[best][1] + s[mid][1]) / 2};
        auto along = [&](double t) {
            return std::array<double, 2>{centre[0] + t * (s[worst][0] - centre[0]),
                                         centre[1] + t * (s[worst][1] - centre[1])};
        };
        const auto reflected = along(-1.0);
        const double fr = f.solve(reflected[0], reflected[1]);
        if (fr < fs[best]) {
            const auto expanded = along(-2.0);
            const double fe = f.solve(expanded[0], expanded[1]);
            s[worst] = fe < fr ? expanded : reflected;
            fs[worst] = std::min(fe, fr);
        } else if (fr < fs[mid]) {
            s[worst] = reflected, fs[worst] = fr;
        } else {
            const auto contracted = along(0.5);
            const double fc = f.solve(contracted[0], contracted[1]);
            if (fc < fs[worst]) {
                s[worst] = contracted, fs[worst] = fc;
            } else {
                for (int i : {mid, worst}) {
                    s[i] = {(s[i][0] + s[best][0]) / 2, (s[i][1] + s[best][1]) / 2};
                    fs[i] = f.solve(s[i][0], s[i][1]);
                }
            }
        }
    }
    return s[std::min_element(fs.begin(), fs.end()) - fs.begin()];
}

} // namespace

bool refineClarkByProfile(const std::vector<LawPoint>& points, std::vector<double>& p, double& sse) {
    if (points.size() < 5 || p.size() != 6) return false;
    Profile f;
    f.log10N.resize(points.size());
    f.experts.resize(points.size());
    f.y.resize(points.size());
    for (size_t i = 0; i < points.size(); ++i) {
        f.log10N[i] = std::log10(points[i].na);
        f.experts[i] = points[i].experts;
        f.y[i] = std::log10(points[i].loss);
    }
    // Starts: where the descent ended, and a grid over E_start ∈ (1.05, 51) and E_max − E_start ∈ (5, 5000).
    std::vector<std::array<double, 2>> starts;
    if (p[4] > 1 && p[5] > p[4]) starts.push_back({std::log(p[4] - 1), std::log(p[5] - p[4])});
    for (int i = 0; i < 12; ++i)
        for (int j = 0; j < 12; ++j)
            starts.push_back(
                {std::log(0.05) + i * std::log(1000.0) / 11, std::log(5.0) + j * std::log(1000.0) / 11});
    std::array<double, 2> bestStart = starts.front();
    double bestGrid = std::numeric_limits<double>::infinity();
    for (const auto& s : starts)
        if (const double v = f.solve(s[0], s[1]); v < bestGrid) bestGrid = v, bestStart = s;
    std::array<double, 2> uv = nelderMead(f, bestStart, 0.5);
    if (!starts.empty() && starts.front() != bestStart) {
        const auto fromDescent = nelderMead(f, starts.front(), 0.5);
        if (f.solve(fromDescent[0], fromDescent[1]) < f.solve(uv[0], uv[1])) uv = fromDescent;
    }
    Eigen::Vector4d c;
    const double value = f.solve(uv[0], uv[1], &c);
    if (!(value < sse)) return false;
    p = {c[0], c[1], c[2], c[3], f.eStart(uv[0]), f.eMax(uv[0], uv[1])};
    sse = value;
    return true;
}

} // namespace moescope
