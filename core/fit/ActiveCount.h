#pragma once
// N_a of the model with N parameters at sparsity S, learnt from the runs: the same model's active count, read
// off the runs of the sparsity levels around S (log N_a a smooth monotone curve in log N through the runs'
// sizes, continued past the ends along the last runs' slope; between levels, linear in −log(1−S)), never
// above N. The isoFLOP optima and the frontier of a parametric law both need it; a separate N_a surface would
// have its own minimum, which can land above N*.
#include <map>
#include <utility>
#include <vector>

namespace moescope {

class ActiveCount {
public:
    ActiveCount() = default;
    // params[i], sparsity[i], active[i] of each run; runs whose active count is unknown (≤ 0, NaN) are
    // skipped.
    ActiveCount(const std::vector<double>& params, const std::vector<double>& sparsity,
                const std::vector<double>& active);
    bool known() const { return !byLevel_.empty(); }
    // NaN when no run carries an active count.
    double operator()(double params, double sparsity) const;

private:
    struct Level {
        std::vector<double> logN, logActive; // one knot per distinct size, ascending
        std::vector<double> derivative;      // d log N_a / d log N at each knot, continued past the ends
    };
    std::map<double, Level> byLevel_; // by Ŝ = −log(1−S)
};

} // namespace moescope
