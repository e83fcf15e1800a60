#pragma once
#include <vector>

namespace moescope {

double mean(const std::vector<double>& v);
double meanSquaredError(const std::vector<double>& predicted, const std::vector<double>& observed);
double pearson(const std::vector<double>& a, const std::vector<double>& b);
double rSquared(const std::vector<double>& predicted, const std::vector<double>& observed);
// Linear-interpolated percentile, p in [0, 1]; NaN for an empty sample.
double percentile(std::vector<double> v, double p);
double median(std::vector<double> v); // percentile(v, 0.5)

// y = coefficient · x^exponent by least squares in log-log space.
struct PowerLaw {
    double exponent = 0;
    double coefficient = 0;
    double r2 = 0;
    int n = 0;
    double operator()(double x) const;
};
PowerLaw fitPowerLaw(const std::vector<double>& x, const std::vector<double>& y);

} // namespace moescope
