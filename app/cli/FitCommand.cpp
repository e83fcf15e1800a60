#include "app/cli/BandText.h"
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/PlanArgs.h"
#include "app/cli/RunSource.h"
#include "core/fit/Analysis.h"
#include "core/fit/IsoflopAnalysis.h"
#include "core/io/Json.h"

#include <chrono>
#include <cmath>
#include <ostream>
#include <sstream>

namespace moescope::cli {

namespace {

Json bandJson(const Band& b) {
    Json j = Json::array();
    j.push(b.lo);
    j.push(b.hi);
    return j;
}

Json heldoutJson(const HeldOut& h) {
    Json j = Json::object();
    j.set("n", h.n);
    j.set("pearson", h.pearson);
    j.set("mse", h.mse);
    return j;
}

Json budgetJson(const BudgetAnalysis& a) {
    Json j = Json::object();
    j.set("law", "isoflop");
    j.set("budget", a.budget);
    Json deg = Json::array();
    deg.push(a.degrees.n), deg.push(a.degrees.s), deg.push(a.degrees.ns);
    j.set("degrees", deg);
    j.set("cv_mse", a.cvMse);
    Json metrics = Json::object();
    metrics.set("n", a.n);
    metrics.set("mse", a.mse);
    metrics.set("pearson", a.pearson);
    metrics.set("heldout", heldoutJson(a.heldout));
    if (a.leaveOneSparsityOut) metrics.set("leave_one_sparsity_out", heldoutJson(*a.leaveOneSparsityOut));
    j.set("metrics", metrics);
    Json opt = Json::object();
    opt.set("params", a.optimum.params.value);
    opt.set("sparsity", a.optimum.sparsity.value);
    opt.set("active_params", a.optimum.activeParams.value);
    opt.set("loss", a.optimum.loss.value);
    Json ci = Json::object();
    ci.set("params", bandJson(a.optimum.params));
    ci.set("sparsity", bandJson(a.optimum.sparsity));
    ci.set("active_params", bandJson(a.optimum.activeParams));
    ci.set("loss", bandJson(a.optimum.loss));
    opt.set("ci95", ci);
    opt.set("edge", a.optimum.edge);
    if (a.optimum.edge) opt.set("edge_why", a.optimum.edgeWhy);
    j.set("optimum", opt);
    Json sStar = Json::array();
    for (const auto& p : a.sStar) {
        Json o = Json::object();
        o.set("params", p.params);
        o.set("sparsity", p.sparsity.value);
        o.set("loss", p.loss.value);
        o.set("sparsity_ci95", bandJson(p.sparsity));
        sStar.push(o);
    }
    j.set("s_star", sStar);
    Json nStar = Json::array();
    for (const auto& p : a.nStar) {
        Json o = Json::object();
        o.set("sparsity", p.sparsity);
        o.set("params", p.params.value);
        o.set("active_params", p.activeParams.value);
        o.set("loss", p.loss.value);
        o.set("params_ci95", bandJson(p.params));
        o.set("loss_ci95", bandJson(p.loss));
        nStar.push(o);
    }
    j.set("n_star", nStar);
    j.set("n_threshold", a.nThreshold ? Json(*a.nThreshold) : Json());
    return j;
}

void printText(const BudgetAnalysis& a, std::ostream& out) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "budget %.3g: %d runs, degrees %s (CV MSE %.3g), Pearson %.4f", a.budget,
                  a.n, a.degrees.toString().c_str(), a.cvMse, a.pearson);
    out << buf;
    if (std::isfinite(a.heldout.pearson)) {
        std::snprintf(buf, sizeof buf, ", held-out Pearson %.4f (n=%d)", a.heldout.pearson, a.heldout.n);
        out << buf;
    }
    out << "\n  optimum: N* " << bandText(a.optimum.params, "%.4g") << ", S* "
        << bandText(a.optimum.sparsity, "%.4f") << ", L* " << bandText(a.optimum.loss, "%.4f") << "\n";
    if (!a.optimum.edge && !std::isfinite(a.optimum.params.lo))
        out << "  no interval: " << a.n << " runs for " << a.degrees.featureCount()
            << " surface terms leave under two degrees of freedom to measure the scatter\n";
    if (a.optimum.edge) out << "  edge: " << a.optimum.edgeWhy << "\n";
    for (const auto& p : a.nStar) {
        std::snprintf(buf, sizeof buf, "  S=%.4f: N* %.4g, N_a* %.4g, L* %.4f\n", p.sparsity, p.params.value,
                      p.activeParams.value, p.loss.value);
        out << buf;
    }
}

} // namespace

int fitCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = planOptions();
    specs.push_back({"budget"});
    for (auto& o : importOptions())
        specs.push_back(o);
    specs.push_back({"json", false});
    const CliArgs args(rawArgs, specs);
    if (args.positionals().size() != 1) throw UsageError("fit: expected one FILE");
    const std::string law = args.value("law");
    if (law.empty())
        throw UsageError("option --law is required (chinchilla, abnar, li, clark, ludziejewski or isoflop)");
    const AnalysisPlan plan = planFromArgs(args);
    if (law != "isoflop") return fitLawCommand(args, plan, out, err);
    const IsoflopOptions& options = plan.isoflop;

    RunTable table;
    int code = 0;
    if (!loadPlannedRuns(args.positionals()[0], args, plan, table, err, code)) return code;
    const auto groups = groupByBudget(table);
    if (groups.empty()) {
        err << args.positionals()[0] << ": no runs with a budget or flops, params and loss to fit\n";
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        if (args.has("budget")) {
            const double wanted = args.number("budget", 0);
            const auto* best = nearestBudget(groups, wanted);
            if (!best) {
                std::string levels;
                for (const auto& g : groups) {
                    char b[32];
                    std::snprintf(b, sizeof b, "%s%.3g", levels.empty() ? "" : ", ", g.first);
                    levels += b;
                }
                throw UsageError("option --budget " + args.value("budget") +
                                 ": no such budget (levels: " + levels + ")");
            }
            const BudgetAnalysis a = analyzeBudget(best->second, best->first, options);
            if (args.has("json")) {
                Json j = budgetJson(a);
                j.set("plan", planJson(plan));
                j.set("seconds",
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
                out << j.dump() << "\n";
            } else {
                printText(a, out);
            }
            return 0;
        }
        const SweepAnalysis sweep = analyzeSweep(table, options);
        for (const auto& s : sweep.skipped)
            err << "skipped " << s << "\n";
        if (args.has("json")) {
            Json j = Json::object();
            j.set("law", "isoflop");
            j.set("plan", planJson(plan));
            Json budgets = Json::array();
            for (const auto& b : sweep.budgets)
                budgets.push(budgetJson(b));
            j.set("budgets", budgets);
            Json trends = Json::array();
            for (const auto& t : sweep.trends) {
                Json o = Json::object();
                o.set("sparsity", t.sparsity);
                o.set("params_exponent", t.nStar.exponent);
                o.set("active_params_exponent", t.activeStar.exponent);
                o.set("loss_exponent", t.lossStar.exponent);
                trends.push(o);
            }
            j.set("trends", trends);
            j.set("optimum_params_exponent", sweep.optimumParams.exponent);
            out << j.dump() << "\n";
        } else {
            for (const auto& b : sweep.budgets)
                printText(b, out);
            for (const auto& t : sweep.trends) {
                char buf[160];
                std::snprintf(buf, sizeof buf, "S=%.4f: N* ∝ C^%.3f, N_a* ∝ C^%.3f, L* ∝ C^%.3f\n",
                              t.sparsity, t.nStar.exponent, t.activeStar.exponent, t.lossStar.exponent);
                out << buf;
            }
        }
        return sweep.budgets.empty() ? 2 : 0;
    } catch (const IsoflopError& e) {
        err << args.positionals()[0] << ": " << e.what() << "\n";
        return 2;
    }
}

} // namespace moescope::cli
