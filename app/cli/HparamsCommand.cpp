// moescope-cli hparams: the optimum learning rate and batch of each (N_a, D) cell of an LR or batch sweep,
// and the laws across cells (core/fit/HyperparameterLaw.h); with --preset, a published law at
// --active/--tokens.
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/RunSource.h"
#include "core/fit/HyperparameterLaw.h"
#include "core/io/CsvWriter.h"

#include <cmath>
#include <ostream>

namespace moescope::cli {

namespace {

Json number(double v) {
    return std::isfinite(v) ? Json(v) : Json();
}

Json bandJson(const Band& b) {
    Json j = Json::object();
    j.set("value", number(b.value));
    j.set("lo", number(b.lo));
    j.set("hi", number(b.hi));
    return j;
}

Json textArray(const std::vector<std::string>& texts) {
    Json a = Json::array();
    for (const auto& t : texts)
        a.push(Json(t));
    return a;
}

Json lawJson(const HparamPowerLaw& law, const std::string& target) {
    Json j = Json::object();
    j.set("target", target);
    j.set("variables", textArray(law.variables));
    j.set("cells", law.cells);
    if (!law.determined()) {
        j.set("undetermined", law.undetermined);
        return j;
    }
    j.set("coefficient", bandJson(law.coefficient));
    Json exps = Json::object();
    for (size_t i = 0; i < law.variables.size(); ++i)
        exps.set(law.variables[i], std::isfinite(law.exponents[i].lo) ? bandJson(law.exponents[i]) : Json());
    j.set("exponents", exps);
    j.set("dropped", textArray(law.dropped));
    j.set("rms_log", law.rmsLog);
    return j;
}

std::string lawText(const HparamPowerLaw& law, const std::string& name) {
    if (!law.determined()) return name + ": undetermined — " + law.undetermined + "\n";
    std::string s = name + " = " + formatNumber(law.coefficient.value);
    for (size_t i = 0; i < law.variables.size(); ++i) {
        const Band& e = law.exponents[i];
        if (!std::isfinite(e.lo)) continue;
        s += " · " + law.variables[i] + "^" + formatNumber(e.value) + " [" + formatNumber(e.lo) + ", " +
             formatNumber(e.hi) + "]";
    }
    s += "   (" + std::to_string(law.cells) + " cells, rms " + formatNumber(law.rmsLog) + " in ln)";
    for (const auto& d : law.dropped)
        s += "; " + d;
    return s + "\n";
}

int presetCommand(const CliArgs& args, std::ostream& out) {
    const HparamPreset* preset = findHparamPreset(args.value("preset"));
    if (!preset)
        throw UsageError("option --preset: expected steplaw or deepseek, got '" + args.value("preset") + "'");
    const double na = args.requiredNumber("active"), d = args.requiredNumber("tokens");
    if (!(na > 0) || !(d > 0)) throw UsageError("options --active and --tokens: must be positive");
    const TrainingAdvice a = adviseTraining(na, d, args.number("ctx", 2048), nullptr, *preset);
    Json j = Json::object();
    j.set("preset", preset->id);
    j.set("active_params", na);
    j.set("tokens", d);
    j.set("lr", a.lr);
    j.set("batch_tokens", a.batchTokens);
    j.set("source", a.source);
    if (args.has("json"))
        out << j.dump() << "\n";
    else
        out << "lr " << formatNumber(a.lr) << ", batch " << formatNumber(a.batchTokens) << " tokens by "
            << a.source << "\n";
    return 0;
}

} // namespace

int hparamsCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = {{"lr-column"}, {"bootstrap"}, {"seed"}, {"preset"},
                                     {"active"},    {"tokens"},    {"ctx"},  {"json", false}};
    for (auto& o : importOptions())
        specs.push_back(o);
    const CliArgs args(rawArgs, specs);
    if (args.has("preset") && args.positionals().empty()) return presetCommand(args, out);
    if (args.positionals().size() != 1)
        throw UsageError("hparams: expected one FILE (or --preset without one)");
    HparamFitOptions o;
    if (args.has("lr-column")) o.columns.lr = {args.value("lr-column")};
    o.bootstrap = args.integer("bootstrap", o.bootstrap);
    if (o.bootstrap < 2 || o.bootstrap > 100000) throw UsageError("option --bootstrap: from 2 to 100000");
    o.seed = static_cast<unsigned long long>(args.integer("seed", 1));
    RunTable table;
    int code = 0;
    if (!loadRuns(args.positionals()[0], args, table, err, code)) return code;
    HparamLaws laws;
    try {
        laws = fitHparamLaws(table, o);
    } catch (const std::invalid_argument& e) {
        err << args.positionals()[0] << ": " << e.what() << "\n";
        return 2;
    }
    for (const auto& w : laws.warnings)
        err << "hparams: warning: " << w << "\n";
    if (args.has("json")) {
        Json cells = Json::array();
        for (const HparamCell& c : laws.cells) {
            Json j = Json::object();
            j.set("active_params", c.activeParams);
            j.set("tokens", c.tokens);
            j.set("runs", c.runs);
            j.set("lr_levels", c.lrLevels);
            j.set("batch_levels", c.batchLevels);
            j.set("best_loss", c.bestLoss);
            j.set("lr", number(c.lr));
            if (!c.lrWhy.empty()) j.set("lr_why", c.lrWhy);
            j.set("batch_tokens", number(c.batchTokens));
            if (!c.batchWhy.empty()) j.set("batch_why", c.batchWhy);
            cells.push(j);
        }
        Json j = Json::object();
        j.set("cells", cells);
        j.set("lr_column", laws.lrColumn);
        j.set("batch_column", laws.batchColumn.empty() ? Json() : Json(laws.batchColumn));
        j.set("lr_law", lawJson(laws.lr, "lr"));
        j.set("batch_law", lawJson(laws.batch, "batch_tokens"));
        out << j.dump() << "\n";
        return 0;
    }
    for (const HparamCell& c : laws.cells)
        out << "N_a " << formatNumber(c.activeParams) << ", D " << formatNumber(c.tokens) << ": " << c.runs
            << " runs, lr* " << (std::isfinite(c.lr) ? formatNumber(c.lr) : "— " + c.lrWhy) << ", batch* "
            << (std::isfinite(c.batchTokens) ? formatNumber(c.batchTokens) : "— " + c.batchWhy) << "\n";
    out << lawText(laws.lr, "lr*") << lawText(laws.batch, "batch*");
    return 0;
}

} // namespace moescope::cli
