#include "core/model/Run.h"

#include "core/model/Accounting.h"

#include <algorithm>

namespace moescope {

namespace {
int indexOf(const std::vector<std::string>& names, const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

bool hasArchitecture(const Run& r) {
    return r.has(Field::DModel) && r.has(Field::NLayers) && r.has(Field::Vocab);
}

Architecture architectureOf(const Run& r) {
    Architecture a;
    a.d_model = r.get(Field::DModel);
    a.n_layers = r.get(Field::NLayers);
    a.vocab = r.get(Field::Vocab);
    a.experts = r.has(Field::Experts) ? r.get(Field::Experts) : 1.0;
    a.active_experts = r.has(Field::ActiveExperts) ? r.get(Field::ActiveExperts) : 1.0;
    a.granularity = r.has(Field::Granularity) ? r.get(Field::Granularity) : 1.0;
    if (r.has(Field::Ctx)) a.ctx = r.get(Field::Ctx);
    return a;
}
} // namespace

int RunTable::metricIndex(const std::string& name) const {
    return indexOf(metricNames, name);
}
int RunTable::labelIndex(const std::string& name) const {
    return indexOf(labelNames, name);
}

void appendRuns(RunTable& into, const RunTable& from) {
    auto column = [&](std::vector<std::string>& names, const std::string& name, auto widen) {
        if (const int at = indexOf(names, name); at >= 0) return static_cast<size_t>(at);
        names.push_back(name);
        for (Run& r : into.runs)
            widen(r);
        return names.size() - 1;
    };
    std::vector<size_t> metricAt, labelAt;
    for (const auto& m : from.metricNames)
        metricAt.push_back(column(into.metricNames, m, [](Run& r) { r.metrics.push_back(std::nan("")); }));
    for (const auto& l : from.labelNames)
        labelAt.push_back(column(into.labelNames, l, [](Run& r) { r.labels.emplace_back(); }));
    for (const Run& r : from.runs) {
        Run copy = r;
        copy.metrics.assign(into.metricNames.size(), std::nan(""));
        copy.labels.assign(into.labelNames.size(), std::string());
        for (size_t i = 0; i < metricAt.size() && i < r.metrics.size(); ++i)
            copy.metrics[metricAt[i]] = r.metrics[i];
        for (size_t i = 0; i < labelAt.size() && i < r.labels.size(); ++i)
            copy.labels[labelAt[i]] = r.labels[i];
        into.runs.push_back(std::move(copy));
    }
}

void deriveMissingFields(Run& r) {
    const bool routed = r.has(Field::Experts) && r.has(Field::ActiveExperts);
    if (!r.has(Field::Sparsity) && routed)
        r.setDerived(Field::Sparsity, sparsityOf(r.get(Field::Experts), r.get(Field::ActiveExperts)));

    if (hasArchitecture(r)) {
        const Architecture a = architectureOf(r);
        if (!r.has(Field::Params)) r.setDerived(Field::Params, totalParams(a));
        if (!r.has(Field::ActiveParams)) r.setDerived(Field::ActiveParams, activeParams(a));
    }

    const bool dense = !r.has(Field::Experts) && !r.has(Field::ActiveExperts) &&
                       (!r.has(Field::Sparsity) || r.get(Field::Sparsity) == 0.0);
    if (dense) {
        if (!r.has(Field::Sparsity)) r.setDerived(Field::Sparsity, 0.0);
        if (!r.has(Field::ActiveParams) && r.has(Field::Params))
            r.setDerived(Field::ActiveParams, r.get(Field::Params));
    }
    // C = 6·N_a·D read backwards: a run that states its FLOPs and tokens states its active count (a
    // budget is the sweep's nominal label, not the run's compute, so it is not used for this).
    if (!r.has(Field::ActiveParams) && r.has(Field::Flops) && r.has(Field::Tokens) &&
        r.get(Field::Tokens) > 0) {
        const double na = r.get(Field::Flops) / (6.0 * r.get(Field::Tokens));
        if (!r.has(Field::Params) || na <= r.get(Field::Params)) r.setDerived(Field::ActiveParams, na);
        if (dense && !r.has(Field::Params)) r.setDerived(Field::Params, na);
    }

    if (r.has(Field::ActiveParams)) {
        const double na = r.get(Field::ActiveParams);
        if (!r.has(Field::Flops) && r.has(Field::Tokens))
            r.setDerived(Field::Flops, 6.0 * na * r.get(Field::Tokens));
        if (!r.has(Field::Tokens) && r.has(Field::Flops))
            r.setDerived(Field::Tokens, r.get(Field::Flops) / (6.0 * na));
        if (!r.has(Field::Flops) && !r.has(Field::Tokens) && r.has(Field::Budget)) {
            r.setDerived(Field::Flops, r.get(Field::Budget));
            r.setDerived(Field::Tokens, r.get(Field::Budget) / (6.0 * na));
        }
    }
}

} // namespace moescope
