#include "core/fit/AllocationLaw.h"

#include "core/fit/IsoflopAnalysis.h"
#include "core/fit/Statistics.h"
#include "core/model/Accounting.h"

#include <Eigen/Dense>
#include <algorithm>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace moescope {

double AllocationLaw::operator()(double c, double s) const {
    const double dense = 1.0 - s;
    return alpha0 * std::pow(dense, alpha1) * std::pow(c, beta0 * std::pow(dense, beta1));
}

double runRatio(const Run& run) {
    if (!run.has(Field::DModel)) return std::nan("");
    Architecture a;
    a.d_model = run.get(Field::DModel);
    a.active_experts = run.has(Field::ActiveExperts) ? run.get(Field::ActiveExperts) : 1.0;
    a.granularity = run.has(Field::Granularity) ? run.get(Field::Granularity) : 1.0;
    if (run.has(Field::Ctx)) a.ctx = run.get(Field::Ctx);
    return expertAttentionRatio(a);
}

AllocationFit fitAllocationLaw(const RunTable& table) {
    AllocationFit fit;
    std::map<double, std::vector<std::pair<double, double>>> bySparsity; // S -> (C, r*)
    for (const auto& [budget, runs] : groupByBudget(table)) {
        std::map<double, std::vector<const Run*>> levels;
        for (const Run* r : runs)
            levels[r->has(Field::Sparsity) ? r->get(Field::Sparsity) : 0.0].push_back(r);
        for (const auto& [s, group] : levels) {
            // Least squares of loss on (1, u, u²), u = log r centred: the vertex is r*.
            std::vector<double> u, l;
            std::set<double> distinct;
            for (const Run* r : group) {
                const double ratio = runRatio(*r);
                if (!(ratio > 0)) continue;
                u.push_back(std::log(ratio));
                l.push_back(r->get(Field::Loss));
                distinct.insert(ratio);
            }
            char where[64];
            std::snprintf(where, sizeof where, "C=%.3g S=%.4g: ", budget, s);
            if (distinct.size() < 3) {
                fit.skipped.push_back(std::string(where) + "fewer than 3 distinct r");
                continue;
            }
            const double m = mean(u);
            Eigen::MatrixXd a(u.size(), 3);
            Eigen::VectorXd b(u.size());
            for (size_t i = 0; i < u.size(); ++i)
                a(i, 0) = 1, a(i, 1) = u[i] - m, a(i, 2) = (u[i] - m) * (u[i] - m), b[i] = l[i];
            const Eigen::Vector3d c = a.colPivHouseholderQr().solve(b);
            const double vertex = m - c[1] / (2 * c[2]);
            const auto [lo, hi] = std::minmax_element(u.begin(), u.end());
            if (!(c[2] > 0) || vertex < *lo || vertex > *hi) {
                fit.skipped.push_back(std::string(where) + "no interior minimum in the swept r");
                continue;
            }
            bySparsity[s].emplace_back(budget, std::exp(vertex));
        }
    }
    std::vector<double> dense, alphas, betas;
    for (const auto& [s, optima] : bySparsity) {
        if (optima.size() < 2) continue;
        std::vector<double> c, r;
        for (const auto& [budget, ratio] : optima)
            c.push_back(budget), r.push_back(ratio);
        const PowerLaw law = fitPowerLaw(c, r);
        fit.levels.push_back({s, optima, law.coefficient, law.exponent});
        dense.push_back(1.0 - s), alphas.push_back(law.coefficient), betas.push_back(law.exponent);
    }
    if (fit.levels.size() < 2)
        throw std::invalid_argument(
            "the allocation law needs at least two sparsity levels with optima at two budgets");
    const PowerLaw a = fitPowerLaw(dense, alphas), b = fitPowerLaw(dense, betas);
    fit.law = {a.coefficient, a.exponent, b.coefficient, b.exponent};
    return fit;
}

} // namespace moescope
