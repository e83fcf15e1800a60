#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/io/Json.h"
#include "core/model/Accounting.h"

#include <cmath>
#include <ostream>

namespace moescope::cli {

namespace {
double positiveWhole(const CliArgs& args, const std::string& name, double fallback, bool required) {
    const double v = required ? args.requiredNumber(name) : args.number(name, fallback);
    if (v <= 0 || v != std::floor(v))
        throw UsageError("option --" + name + ": expected a positive whole number, got " + args.value(name));
    return v;
}
} // namespace

int flopsCommand(const Args& rawArgs, std::ostream& out, std::ostream&) {
    const CliArgs args(rawArgs, {{"d-model"},
                                 {"layers"},
                                 {"experts"},
                                 {"active"},
                                 {"granularity"},
                                 {"ctx"},
                                 {"vocab"},
                                 {"json", false}});
    if (!args.positionals().empty())
        throw UsageError("flops: unexpected argument '" + args.positionals()[0] + "'");
    Architecture a;
    a.d_model = positiveWhole(args, "d-model", 0, true);
    a.n_layers = positiveWhole(args, "layers", 0, true);
    a.experts = positiveWhole(args, "experts", 1, false);
    a.active_experts = positiveWhole(args, "active", 1, false);
    a.granularity = args.number("granularity", 1);
    if (a.granularity <= 0) throw UsageError("option --granularity: must be positive");
    a.ctx = positiveWhole(args, "ctx", 2048, false);
    a.vocab = positiveWhole(args, "vocab", 50432, false);
    if (a.active_experts > a.experts)
        throw UsageError("option --active: K = " + args.value("active") +
                         " exceeds --experts E = " + args.value("experts", "1"));

    Json j = Json::object();
    j.set("params", totalParams(a));
    j.set("active_params", activeParams(a));
    j.set("embedding_params", embeddingParams(a));
    j.set("sparsity", sparsityOf(a.experts, a.active_experts));
    j.set("flops_per_token", flopsPerToken(a));
    j.set("flops_per_token_6na", flopsPerToken6Na(a));
    j.set("r", expertAttentionRatio(a));
    if (args.has("json")) {
        out << j.dump() << "\n";
    } else {
        for (const auto& [k, v] : j.members()) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%-20s %.6g\n", k.c_str(), v.number());
            out << buf;
        }
    }
    return 0;
}

} // namespace moescope::cli
