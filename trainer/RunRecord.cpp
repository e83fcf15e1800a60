#include "trainer/RunRecord.h"

#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/model/Accounting.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace moescope::trainer {

Json runRecordJson(const RunRecord& r) {
    const TrainerOptions& o = r.options;
    const Architecture a = o.architecture();
    Json j = Json::object();
    j.set("name", o.name.empty() ? std::filesystem::path(o.out).filename().string() : o.name);
    j.set("params", totalParams(a));
    j.set("active_params", activeParams(a));
    j.set("embedding_params", embeddingParams(a));
    j.set("sparsity", sparsityOf(a.experts, a.active_experts));
    j.set("experts", a.experts);
    j.set("active_experts", a.active_experts);
    j.set("granularity", a.granularity);
    j.set("d_model", a.d_model);
    j.set("n_layers", a.n_layers);
    j.set("n_heads", static_cast<double>(o.heads));
    j.set("ctx", a.ctx);
    j.set("vocab", a.vocab);
    j.set("tokens", r.tokens);
    j.set("flops", flopsPerToken6Na(a) * r.tokens);
    j.set("flops_eq9", flopsPerToken(a) * r.tokens);
    j.set("loss", r.valLoss);
    j.set("budget", o.budget > 0 ? Json(o.budget) : Json());
    j.set("seed", static_cast<double>(o.seed));
    j.set("lr", o.lr);
    j.set("batch_tokens", static_cast<double>(o.tokensPerStep()));
    j.set("schedule", o.schedule);
    // A cooldown branch names its parent (the stable run's folder), which the bootstrap resamples with its
    // other branches, and what it cost on its own.
    // "stable/" names the folder "stable", as "stable" does.
    std::string parent = o.branchFrom;
    while (parent.size() > 1 && parent.back() == '/')
        parent.pop_back();
    j.set("parent", parent.empty() ? Json() : Json(std::filesystem::path(parent).filename().string()));
    j.set("branch_at", o.branchFrom.empty() ? Json() : Json(static_cast<double>(o.branchAt)));
    const double trained = std::isnan(r.trainedTokens) ? r.tokens : r.trainedTokens;
    j.set("trained_flops", flopsPerToken6Na(a) * trained);
    j.set("seconds", r.seconds);
    j.set("device", r.device);
    j.set("status", r.status);
    return j;
}

bool writeRunRecord(const RunRecord& r, std::string& error) {
    const Json j = runRecordJson(r);
    if (!writeFileAtomically(r.options.out + "/result.json", j.dump() + "\n", error)) return false;
    if (r.status != "done") return true;
    std::string header, row;
    for (const auto& [key, value] : j.members()) {
        if (key == "device" || key == "embedding_params" || key == "status") continue;
        header += (header.empty() ? "" : ",") + key;
        row += row.empty() ? "" : ",";
        row += value.isString() ? csvField(value.string())
               : value.isNull() ? ""
                                : formatNumber(value.number());
    }
    const std::string path = r.options.out + "/runs.csv";
    std::string content;
    if (std::ifstream in(path); in)
        content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (content.empty())
        content = header + "\n";
    else if (content.compare(0, header.size() + 1, header + "\n") != 0) {
        error = path + ": existing header differs from this trainer's; not appending";
        return false;
    }
    return writeFileAtomically(path, content + row + "\n", error);
}

} // namespace moescope::trainer
