#pragma once
// One budget's fitted loss surface L(N, S) (or L(N_a, S)): the Eq. 8 polynomial plus the box and convex
// hull of the data it was fitted on, so every optimum it reports stays where there are runs.
#include "core/fit/PolynomialDesign.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace moescope {

struct IsoflopError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct IsoflopPoint {
    double params = 0; // N, or N_a for the active-parameter variant
    double sparsity = 0;
    double loss = 0;
};

class IsoflopSurface {
public:
    IsoflopSurface() = default;
    // Fits with fixed degrees; IsoflopError when the points cannot support them.
    IsoflopSurface(const std::vector<IsoflopPoint>& points, const Degrees& degrees,
                   const std::vector<int>& rows = {});

    static double sHat(double sparsity);        // −log(1−S)
    static double sparsityFromHat(double sHat); // inverse

    double loss(double params, double sparsity) const;
    const PolynomialFit& polynomial() const { return fit_; }
    const Degrees& degrees() const { return fit_.degrees; }

    // Data ranges (over the rows fitted).
    double minLogParams() const { return xMin_; }
    double maxLogParams() const { return xMax_; }
    double minSparsity() const { return sMin_; }
    double maxSparsity() const { return sMax_; }
    bool insideHull(double logParams, double sparsity) const;
    // How far inside the hull a point lies, in units of the data's box (log N and S each scaled to [0, 1]):
    // positive inside, zero on the boundary, negative outside, continuous and linear along each edge's
    // normal, so a grid clipped at zero follows the hull instead of stepping cell by cell.
    double hullMargin(double logParams, double sparsity) const;

    // argmin over S in the data's sparsity range at fixed N (Eq. 4).
    double optimalSparsity(double params) const;
    // argmin over log N in the data's range at fixed S (Eq. 3); returns N.
    double optimalParams(double sparsity) const;
    // Joint minimum inside the data's convex hull (Eq. 2): {N, S}.
    std::pair<double, double> jointOptimum() const;

    // Makes this surface report its optima over `other`'s data domain: bootstrap replicates fitted on
    // subsamples are then compared on one domain, and the hull's grid is built once.
    void shareDomain(const IsoflopSurface& other);
    // Builds the hull's grid now (it is otherwise built on first use), so that threads sharing this
    // surface's domain only ever read it.
    void prepareDomain() const { hullColumns(); }

    // Checks a degree triple against the data: enough runs, distinct N and S levels. Empty when fine.
    static std::string whyUnsupported(const std::vector<IsoflopPoint>& points, const Degrees& d);

private:
    void buildDomain(const std::vector<std::pair<double, double>>& points);
    const std::vector<std::pair<double, double>>& hullColumns() const; // built on first use

    PolynomialFit fit_;
    // For each of kGrid+1 columns in log N, the sparsity interval inside the hull (lo > hi: none).
    static constexpr int kGrid = 120;
    mutable std::shared_ptr<const std::vector<std::pair<double, double>>> columns_;
    double xMin_ = 0, xMax_ = 0, sMin_ = 0, sMax_ = 0;
    std::vector<std::pair<double, double>> hull_; // (log N, S), counter-clockwise
};

} // namespace moescope
