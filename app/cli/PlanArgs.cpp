#include "app/cli/PlanArgs.h"

#include <sstream>

namespace moescope::cli {

namespace {

Degrees parseDegrees(const std::string& text) {
    Degrees d;
    char c1 = 0, c2 = 0;
    std::istringstream in(text);
    if (!(in >> d.n >> c1 >> d.s >> c2 >> d.ns) || c1 != ',' || c2 != ',' || !in.eof() || d.n < 0 ||
        d.s < 0 || d.ns < 0 || d.n > 4 || d.s > 4 || d.ns > 4)
        throw UsageError("option --degrees: expected A,B,C with each in 0..4, got '" + text + "'");
    return d;
}

} // namespace

std::vector<OptionSpec> planOptions() {
    return {{"law"},       {"where"},       {"holdout"},
            {"train"},     {"group"},       {"starts"},
            {"bootstrap"}, {"degrees"},     {"leave-one-sparsity-out", false},
            {"seed"},      {"huber-delta"}, {"exclude-outliers"}};
}

AnalysisPlan planFromArgs(const CliArgs& args) {
    AnalysisPlan plan;
    const std::string law = args.value("law", "auto");
    if (law != "isoflop") plan.law = law;
    plan.where = args.value("where");
    plan.holdout = args.value("holdout", plan.holdout);
    if (args.has("train")) {
        // The runs the law is fitted on; the rest of the included runs are its validation.
        if (args.has("holdout")) throw UsageError("options --train and --holdout: give one of them");
        plan.holdout = "not (" + args.value("train") + ")";
    }
    plan.group = args.value("group", plan.group);
    if (args.has("exclude-outliers")) {
        plan.excludeOutliers = true;
        plan.outlierZ = args.number("exclude-outliers", 0);
        if (!(plan.outlierZ > 0))
            throw UsageError("option --exclude-outliers: the z threshold must be positive");
    }
    if (args.has("starts") && !parseStarts(args.value("starts"), plan.lawFit))
        throw UsageError("option --starts: expected full, fast or a positive number, got '" +
                         args.value("starts") + "'");
    if (args.has("bootstrap")) {
        const int k = args.integer("bootstrap", 0);
        if (k < 0) throw UsageError("option --bootstrap: must be ≥ 0");
        plan.lawFit.bootstrap = plan.isoflop.bootstrap = k;
    }
    if (args.has("degrees")) plan.isoflop.degrees = parseDegrees(args.value("degrees"));
    plan.isoflop.leaveOneSparsityOut = args.has("leave-one-sparsity-out");
    if (args.has("seed")) {
        const long long seed = args.integer("seed", 0);
        if (seed < 0) throw UsageError("option --seed: must be ≥ 0");
        plan.lawFit.seed = plan.isoflop.seed = static_cast<unsigned>(seed);
    }
    if (args.has("huber-delta")) {
        plan.lawFit.huberDelta = args.number("huber-delta", 0);
        if (!(plan.lawFit.huberDelta > 0)) throw UsageError("option --huber-delta: must be positive");
    }
    std::string error;
    if (!validatePlan(plan, error)) {
        throw UsageError(error.rfind("option ", 0) == 0 ? error : "option --law: " + error);
    }
    return plan;
}

} // namespace moescope::cli
