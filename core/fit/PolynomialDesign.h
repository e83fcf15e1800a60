#pragma once
// The polynomial of Abnar et al. App. B, Eq. 8, in x = log N (or log N_a) and y = −log(1−S):
//   L = Σ_{i≤α1} a_i x^i + Σ_{i≤α2} b_i y^i + Σ_{i≤α3} c_i (xy)^i + d
// fitted by least squares with column scaling and a column-pivoting QR, so the near-collinear powers of
// log N (x ≈ 18..25) and the all-zero y columns of a dense sweep are handled without normal equations.
#include <Eigen/Dense>

#include <string>
#include <vector>

namespace moescope {

struct Degrees {
    int n = 2;  // α1
    int s = 2;  // α2
    int ns = 2; // α3
    int featureCount() const { return 1 + n + s + ns; }
    bool operator==(const Degrees& o) const { return n == o.n && s == o.s && ns == o.ns; }
    std::string toString() const;
};

// Feature vector [1, x..x^α1, y..y^α2, (xy)..(xy)^α3].
void polynomialFeatures(const Degrees& d, double x, double y, double* out);

struct PolynomialFit {
    Degrees degrees;
    Eigen::VectorXd coefficients;
    bool ok = false;
    double operator()(double x, double y) const;
};

// Fits the rows `rows` (all when empty) of (x, y, loss).
PolynomialFit fitPolynomial(const Degrees& d, const Eigen::VectorXd& x, const Eigen::VectorXd& y,
                            const Eigen::VectorXd& loss, const std::vector<int>& rows = {});

struct DegreeSearch {
    Degrees best;
    double cvMse = 0;
    int candidates = 0;
};
// k-fold cross-validation over {minN..maxN}×{0..maxS}×{0..maxNS} (fold assignment shuffled with `seed`); the
// lowest mean held-out squared error wins, ties to fewer terms. Runs on `threads` threads (deterministic).
DegreeSearch searchDegrees(const Eigen::VectorXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& loss,
                           const Degrees& maximum, int folds, unsigned seed, int threads = 0, int minN = 0);

} // namespace moescope
