#include "core/fit/ParametricLaw.h"

#include "core/fit/ClarkProfile.h"
#include "core/fit/LseObjective.h"
#include "core/fit/PublishedLaws.h"
#include "core/model/Accounting.h"

#include <ceres/autodiff_first_order_function.h>

#include <cmath>

namespace moescope {

namespace {

std::vector<double> range(double from, double to, double step) {
    std::vector<double> v;
    for (double x = from; x <= to + 1e-9; x += step)
        v.push_back(std::round(x * 1e6) / 1e6);
    return v;
}

// Σ loss(residual_i(p)) over the points: Huber for the log-loss recipes, squares for Clark's.
template <class Residual> struct SummedLoss {
    std::vector<Residual> residuals;
    bool useHuber = true;
    double delta = kHuberDelta;
    template <typename T> bool operator()(const T* p, T* cost) const {
        T sum(0.0);
        for (const Residual& r : residuals) {
            T res;
            if (!r(p, &res)) return false;
            sum += useHuber ? lawmath::huber(res, delta) : res * res;
        }
        if (!ceres::isfinite(sum)) return false;
        *cost = sum;
        return true;
    }
};

template <class Residual> class LawBase : public ParametricLaw {
public:
    std::unique_ptr<ceres::FirstOrderFunction> autodiffObjective(const std::vector<LawPoint>& points,
                                                                 double huberDelta) const override {
        auto* loss = new SummedLoss<Residual>;
        loss->useHuber = useHuber();
        loss->delta = huberDelta;
        for (const LawPoint& x : points)
            loss->residuals.emplace_back(x);
        return std::make_unique<ceres::AutoDiffFirstOrderFunction<SummedLoss<Residual>, Residual::kParams>>(
            loss);
    }
    std::unique_ptr<ceres::FirstOrderFunction> objective(const std::vector<LawPoint>& points,
                                                         double huberDelta) const override {
        std::vector<LseTerm> terms;
        int constant = -1;
        if (!lseTerms(points, terms, constant)) return autodiffObjective(points, huberDelta);
        Eigen::ArrayXd logLoss(points.size());
        for (size_t i = 0; i < points.size(); ++i)
            logLoss[i] = std::log(points[i].loss);
        return std::make_unique<LseObjective>(Residual::kParams, std::move(terms), constant,
                                              std::move(logLoss), huberDelta);
    }
    double residual(const std::vector<double>& p, const LawPoint& x) const override {
        double r = 0;
        return Residual(x)(p.data(), &r) ? r : std::nan("");
    }
    double predict(const std::vector<double>& p, const LawPoint& x) const override {
        return std::exp(Residual(x).logPrediction(p.data()));
    }

protected:
    virtual bool useHuber() const { return true; }
    // The law's LSE terms as linear functions of the parameters, when it has that form.
    virtual bool lseTerms(const std::vector<LawPoint>&, std::vector<LseTerm>&, int&) const { return false; }
};

// Per-point feature arrays for the LSE terms.
Eigen::ArrayXd feature(const std::vector<LawPoint>& points, double (*f)(const LawPoint&), double sign) {
    Eigen::ArrayXd a(points.size());
    for (size_t i = 0; i < points.size(); ++i)
        a[i] = sign * f(points[i]);
    return a;
}
double logN(const LawPoint& x) {
    return std::log(x.n);
}
double logD(const LawPoint& x) {
    return std::log(x.tokens);
}
double logNa(const LawPoint& x) {
    return std::log(x.na);
}
double logG(const LawPoint& x) {
    return std::log(x.granularity);
}
double logDense(const LawPoint& x) {
    return std::log1p(-x.sparsity);
}
double logShare(const LawPoint& x) {
    return std::log(x.r / (x.r + 1.0));
}

class Chinchilla final : public LawBase<ChinchillaResidual> {
public:
    std::string id() const override { return "chinchilla"; }
    std::string formula() const override { return "L = E + A/N^alpha + B/D^beta"; }
    std::vector<std::string> parameterNames() const override { return {"a", "b", "e", "alpha", "beta"}; }
    std::vector<Field> inputs() const override { return {Field::Params, Field::Tokens, Field::Loss}; }
    std::vector<std::vector<double>> startAxes() const override {
        return {range(0, 25, 5), range(0, 25, 5), range(-1, 1, .5), range(0, 2, .5), range(0, 2, .5)};
    }
    std::vector<double> preset() const override {
        return {std::log(kHoffmann.A), std::log(kHoffmann.B), std::log(kHoffmann.E), kHoffmann.alpha,
                kHoffmann.beta};
    }
    std::string presetSource() const override { return "Hoffmann et al. 2022"; }
    std::vector<std::pair<std::string, double>> report(const std::vector<double>& p) const override {
        return {{"E", std::exp(p[2])},
                {"A", std::exp(p[0])},
                {"B", std::exp(p[1])},
                {"alpha", p[3]},
                {"beta", p[4]}};
    }

protected:
    bool lseTerms(const std::vector<LawPoint>& x, std::vector<LseTerm>& t, int& constant) const override {
        t = {{0, {}, {{3, feature(x, logN, -1)}}}, {1, {}, {{4, feature(x, logD, -1)}}}};
        constant = 2;
        return true;
    }
};

class Abnar final : public LawBase<AbnarResidual> {
public:
    std::string id() const override { return "abnar"; }
    std::string formula() const override {
        return "L = a/N^alpha + b/D^beta + c/(1-S)^lambda + d/((1-S)^delta N^gamma) + e";
    }
    std::vector<std::string> parameterNames() const override {
        return {"log_a", "log_b", "log_c", "log_d", "log_e", "alpha", "beta", "lambda", "delta", "gamma"};
    }
    std::vector<Field> inputs() const override {
        return {Field::Params, Field::Tokens, Field::Sparsity, Field::Loss};
    }
    std::vector<std::vector<double>> startAxes() const override {
        const auto logs = std::vector<double>{0, 10, 20};
        const auto exps = range(0, 1.25, .25), signedExps = range(-1, 1, .5);
        return {logs, logs, logs, logs, {1.5}, exps, exps, signedExps, signedExps, exps};
    }
    std::vector<double> preset() const override {
        const AbnarCoefficients k;
        return {std::log(k.a), std::log(k.b), std::log(k.c), std::log(k.d), std::log(k.e),
                k.alpha,       k.beta,        k.lambda,      k.delta,       k.gamma};
    }
    std::string presetSource() const override { return "Abnar et al. 2025, Table 3 (secondary copies)"; }
    std::vector<std::pair<std::string, double>> report(const std::vector<double>& p) const override {
        return {{"a", std::exp(p[0])}, {"b", std::exp(p[1])}, {"c", std::exp(p[2])}, {"d", std::exp(p[3])},
                {"e", std::exp(p[4])}, {"alpha", p[5]},       {"beta", p[6]},        {"lambda", p[7]},
                {"delta", p[8]},       {"gamma", p[9]}};
    }

protected:
    bool lseTerms(const std::vector<LawPoint>& x, std::vector<LseTerm>& t, int& constant) const override {
        t = {{0, {}, {{5, feature(x, logN, -1)}}},
             {1, {}, {{6, feature(x, logD, -1)}}},
             {2, {}, {{7, feature(x, logDense, -1)}}},
             {3, {}, {{8, feature(x, logDense, -1)}, {9, feature(x, logN, -1)}}}};
        constant = 4;
        return true;
    }
};

class Li final : public LawBase<LiResidual> {
public:
    std::string id() const override { return "li"; }
    std::string formula() const override {
        return "L = a/N^alpha + b/D^beta + c(1-S)^gamma/N^lambda + d r/(r+1) + tau";
    }
    std::vector<std::string> parameterNames() const override {
        return {"log_a", "log_b", "log_c", "log_d", "log_tau", "alpha", "beta", "lambda", "gamma"};
    }
    std::vector<Field> inputs() const override {
        return {Field::Params, Field::Tokens, Field::Sparsity, Field::DModel, Field::Loss};
    }
    bool needsRatio() const override { return true; }
    std::vector<std::vector<double>> startAxes() const override {
        const auto logs = std::vector<double>{0, 10, 20};
        const auto exps = range(0, 1.25, .25);
        return {logs, logs, logs, logs, {1.5}, exps, exps, exps, exps};
    }
    std::vector<double> preset() const override {
        return {std::log(15.12),
                std::log(18.62),
                std::log(39.55),
                std::log(.0499),
                std::log(13.7354),
                .6288,
                .0453,
                .4228,
                .0431};
    }
    std::string presetSource() const override {
        return "Li et al. 2026, Table 1, as printed (e^R absorbed in c); its tau = 13.7 makes absolute "
               "losses "
               "implausible, so read its predictions as relative";
    }
    std::string presetPlanProblem() const override {
        return "Li et al.'s printed coefficients cannot plan a model: their loss law needs the "
               "expert/attention "
               "ratio r and N and D in the paper's own form, and its tau = 13.7 makes absolute losses "
               "implausible; fit li to runs and plan with `optimum FILE --law li`";
    }
    std::vector<std::pair<std::string, double>> report(const std::vector<double>& p) const override {
        return {{"a", std::exp(p[0])}, {"b", std::exp(p[1])},   {"c", std::exp(p[2])},
                {"d", std::exp(p[3])}, {"tau", std::exp(p[4])}, {"alpha", p[5]},
                {"beta", p[6]},        {"lambda", p[7]},        {"gamma", p[8]}};
    }

protected:
    bool lseTerms(const std::vector<LawPoint>& x, std::vector<LseTerm>& t, int& constant) const override {
        t = {{0, {}, {{5, feature(x, logN, -1)}}},
             {1, {}, {{6, feature(x, logD, -1)}}},
             {2, {}, {{8, feature(x, logDense, 1)}, {7, feature(x, logN, -1)}}},
             {3, feature(x, logShare, 1), {}}};
        constant = 4;
        return true;
    }
};

class Clark final : public LawBase<ClarkResidual> {
public:
    std::string id() const override { return "clark"; }
    std::string formula() const override {
        return "log10 L = a log10 N + b log10 E^ + c log10 N log10 E^ + d";
    }
    std::vector<std::string> parameterNames() const override {
        return {"a", "b", "c", "d", "e_start", "e_max"};
    }
    std::vector<Field> inputs() const override { return {Field::ActiveParams, Field::Experts, Field::Loss}; }
    std::vector<std::vector<double>> startAxes() const override {
        return {{-0.1, -0.05}, {-0.2, -0.1, 0.0}, {0.0, 0.01}, {1.0, 1.2}, {1.5, 3.0, 6.0}, {100, 300, 600}};
    }
    std::vector<double> preset() const override { return {-0.082, -0.108, 0.009, 1.104, 1.847, 314.478}; }
    std::string presetSource() const override { return "Clark et al. 2022, S-BASE (secondary copies)"; }
    std::vector<std::pair<std::string, double>> report(const std::vector<double>& p) const override {
        return {{"a", p[0]}, {"b", p[1]}, {"c", p[2]}, {"d", p[3]}, {"e_start", p[4]}, {"e_max", p[5]}};
    }

    // Its sum of squares is the profile's: variable projection finds the valley floor descent stalls in.
    bool refine(const std::vector<LawPoint>& points, std::vector<double>& p,
                double& objective) const override {
        return refineClarkByProfile(points, p, objective);
    }

protected:
    bool useHuber() const override { return false; }
};

class Ludziejewski final : public LawBase<LudziejewskiResidual> {
public:
    std::string id() const override { return "ludziejewski"; }
    std::string formula() const override { return "L = c + (g/G^gamma + a)/N^alpha + b/D^beta"; }
    std::vector<std::string> parameterNames() const override {
        return {"log_a", "alpha", "log_b", "beta", "log_g", "gamma", "log_c"};
    }
    std::vector<Field> inputs() const override { return {Field::ActiveParams, Field::Tokens, Field::Loss}; }
    std::vector<std::vector<double>> startAxes() const override {
        return {{0, 3}, {.1, .3}, {0, 3}, {.1, .3}, {0, 2}, {.3, .6}, {-1, 0}};
    }
    std::vector<double> preset() const override {
        return {std::log(18.1), .115, std::log(30.8), .147, std::log(2.1), .58, std::log(.47)};
    }
    std::string presetSource() const override { return "Ludziejewski et al. 2024"; }
    std::vector<std::pair<std::string, double>> report(const std::vector<double>& p) const override {
        return {{"a", std::exp(p[0])}, {"alpha", p[1]}, {"b", std::exp(p[2])}, {"beta", p[3]},
                {"g", std::exp(p[4])}, {"gamma", p[5]}, {"c", std::exp(p[6])}};
    }

protected:
    // (g/G^γ + a)/N_a^α expanded into its two terms: g/(G^γ N_a^α) and a/N_a^α share the exponent α, and
    // every coefficient multiplies a term of its own (what variable projection needs).
    bool lseTerms(const std::vector<LawPoint>& x, std::vector<LseTerm>& t, int& constant) const override {
        t = {{4, {}, {{5, feature(x, logG, -1)}, {1, feature(x, logNa, -1)}}},
             {0, {}, {{1, feature(x, logNa, -1)}}},
             {2, {}, {{3, feature(x, logD, -1)}}}};
        constant = 6;
        return true;
    }
};

} // namespace

size_t ParametricLaw::fullGridSize() const {
    size_t n = 1;
    for (const auto& axis : startAxes())
        n *= axis.size();
    return n;
}

std::vector<std::string> lawIds() {
    return {"chinchilla", "abnar", "li", "clark", "ludziejewski"};
}

std::unique_ptr<ParametricLaw> makeLaw(const std::string& id) {
    if (id == "chinchilla") return std::make_unique<Chinchilla>();
    if (id == "abnar") return std::make_unique<Abnar>();
    if (id == "li") return std::make_unique<Li>();
    if (id == "clark") return std::make_unique<Clark>();
    if (id == "ludziejewski") return std::make_unique<Ludziejewski>();
    return nullptr;
}

std::vector<std::string> presetIds() {
    std::vector<std::string> ids = lawIds();
    ids.push_back("epoch");
    return ids;
}

std::optional<Preset> makePreset(const std::string& name) {
    Preset p;
    if (name == "epoch") {
        p.law = makeLaw("chinchilla");
        p.parameters = {std::log(kEpoch.A), std::log(kEpoch.B), std::log(kEpoch.E), kEpoch.alpha,
                        kEpoch.beta};
        p.source = "Besiroglu et al. 2024 (Epoch AI), their refit of Hoffmann et al.'s Approach 3";
        return p;
    }
    p.law = makeLaw(name);
    if (!p.law) return std::nullopt;
    p.parameters = p.law->preset();
    p.source = p.law->presetSource();
    return p;
}

bool toLawPoint(const Run& run, const ParametricLaw& law, LawPoint& x, std::string* why) {
    for (Field f : law.inputs())
        if (!run.has(f)) {
            if (why) *why = "no " + std::string(fieldName(f));
            return false;
        }
    x.n = run.get(Field::Params);
    x.na = run.has(Field::ActiveParams) ? run.get(Field::ActiveParams) : x.n;
    x.tokens = run.get(Field::Tokens);
    x.sparsity = run.has(Field::Sparsity) ? run.get(Field::Sparsity) : 0.0;
    x.experts = run.has(Field::Experts) ? run.get(Field::Experts) : 1.0;
    x.granularity = run.has(Field::Granularity) ? run.get(Field::Granularity) : 1.0;
    x.loss = run.get(Field::Loss);
    if (law.needsRatio()) {
        Architecture a;
        a.d_model = run.get(Field::DModel);
        a.active_experts = run.has(Field::ActiveExperts) ? run.get(Field::ActiveExperts) : 1.0;
        a.granularity = x.granularity;
        a.ctx = run.has(Field::Ctx) ? run.get(Field::Ctx) : a.ctx;
        x.r = expertAttentionRatio(a);
    }
    return true;
}

} // namespace moescope
