#include "core/fit/PolynomialDesign.h"

#include "core/fit/Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <thread>

namespace moescope {

std::string Degrees::toString() const {
    return "(" + std::to_string(n) + "," + std::to_string(s) + "," + std::to_string(ns) + ")";
}

void polynomialFeatures(const Degrees& d, double x, double y, double* out) {
    int c = 0;
    out[c++] = 1.0;
    double p = 1;
    for (int i = 1; i <= d.n; ++i)
        out[c++] = p *= x;
    p = 1;
    for (int i = 1; i <= d.s; ++i)
        out[c++] = p *= y;
    p = 1;
    for (int i = 1; i <= d.ns; ++i)
        out[c++] = p *= x * y;
}

double PolynomialFit::operator()(double x, double y) const {
    double f[16];
    polynomialFeatures(degrees, x, y, f);
    double s = 0;
    for (int i = 0; i < coefficients.size(); ++i)
        s += coefficients[i] * f[i];
    return s;
}

PolynomialFit fitPolynomial(const Degrees& d, const Eigen::VectorXd& x, const Eigen::VectorXd& y,
                            const Eigen::VectorXd& loss, const std::vector<int>& rows) {
    const int m = rows.empty() ? static_cast<int>(x.size()) : static_cast<int>(rows.size());
    const int k = d.featureCount();
    PolynomialFit fit;
    fit.degrees = d;
    if (m < 1) return fit;
    Eigen::MatrixXd a(m, k);
    Eigen::VectorXd b(m);
    for (int r = 0; r < m; ++r) {
        const int i = rows.empty() ? r : rows[r];
        double f[16];
        polynomialFeatures(d, x[i], y[i], f);
        for (int c = 0; c < k; ++c)
            a(r, c) = f[c];
        b[r] = loss[i];
    }
    // Equilibrate columns; an all-zero column (y of a dense sweep) keeps scale 1 and is dropped by the
    // rank-revealing QR.
    Eigen::VectorXd scale = a.colwise().norm().transpose();
    for (int c = 0; c < k; ++c)
        if (scale[c] == 0) scale[c] = 1;
    a = a * scale.cwiseInverse().asDiagonal();
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
    qr.setThreshold(1e-12);
    fit.coefficients = qr.solve(b).cwiseQuotient(scale);
    fit.ok = fit.coefficients.allFinite();
    return fit;
}

DegreeSearch searchDegrees(const Eigen::VectorXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& loss,
                           const Degrees& maximum, int folds, unsigned seed, int threads, int minN) {
    const int m = static_cast<int>(x.size());
    folds = std::max(2, std::min(folds, m));
    std::vector<int> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::vector<int>> train(folds), test(folds);
    for (int f = 0; f < folds; ++f)
        for (int i = 0; i < m; ++i)
            (i % folds == f ? test : train)[f].push_back(order[i]);

    std::vector<Degrees> candidates;
    for (int a = minN; a <= maximum.n; ++a)
        for (int b = 0; b <= maximum.s; ++b)
            for (int c = 0; c <= maximum.ns; ++c) {
                const Degrees d{a, b, c};
                const size_t smallestTrain = train.back().size();
                if (static_cast<size_t>(d.featureCount()) <= smallestTrain) candidates.push_back(d);
            }
    std::vector<double> cvError(candidates.size(), std::numeric_limits<double>::infinity());
    parallelFor(candidates.size(), threadCount(threads), [&](size_t ci, size_t) {
        double sse = 0;
        for (int f = 0; f < folds; ++f) {
            const PolynomialFit fit = fitPolynomial(candidates[ci], x, y, loss, train[f]);
            if (!fit.ok) {
                sse = std::numeric_limits<double>::infinity();
                break;
            }
            for (int i : test[f])
                sse += (fit(x[i], y[i]) - loss[i]) * (fit(x[i], y[i]) - loss[i]);
        }
        cvError[ci] = sse / m;
    });

    DegreeSearch result;
    result.candidates = static_cast<int>(candidates.size());
    result.cvMse = std::numeric_limits<double>::infinity();
    for (size_t ci = 0; ci < candidates.size(); ++ci) {
        // "Clearly better" guards against picking a larger model for a rounding-level gain on exact data.
        const double tolerance = 1e-9 * std::max(1.0, std::fabs(result.cvMse)) + 1e-14;
        const bool better = cvError[ci] < result.cvMse - tolerance;
        const bool tieSmaller = std::fabs(cvError[ci] - result.cvMse) <= tolerance &&
                                candidates[ci].featureCount() < result.best.featureCount();
        if (better || tieSmaller) {
            result.best = candidates[ci];
            result.cvMse = cvError[ci];
        }
    }
    return result;
}

} // namespace moescope
