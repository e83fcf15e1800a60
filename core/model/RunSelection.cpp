#include "core/model/RunSelection.h"

#include "core/model/RunFilter.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace moescope {

namespace {

std::string valueText(const ExprValue& v) {
    if (v.isString) return v.text;
    if (std::isnan(v.number)) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", v.number);
    return buf;
}

bool checkColumns(const RunTable& table, const std::string& option, const std::vector<std::string>& names,
                  std::string& error) {
    if (checkRunColumns(table, names, error)) return true;
    error = "--" + option + ": " + error;
    return false;
}

// "size=12m, experts=8": the group's key and its description at once.
std::string groupKey(const RunTable& table, const Run& run, const std::vector<std::string>& columns) {
    const auto lookup = runLookup(table, run);
    std::string key;
    for (const auto& c : columns)
        key += (key.empty() ? "" : ", ") + c + "=" + valueText(*lookup(c));
    return key;
}

// Indices of the runs each group holds, in order of first appearance; runs `skip` rejects are left out.
template <class Skip>
std::vector<std::pair<std::string, std::vector<size_t>>>
groups(const RunTable& table, const std::vector<std::string>& columns, Skip skip) {
    std::vector<std::pair<std::string, std::vector<size_t>>> out;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < table.runs.size(); ++i) {
        if (skip(table.runs[i])) continue;
        const std::string key = groupKey(table, table.runs[i], columns);
        const auto [it, added] = index.emplace(key, out.size());
        if (added) out.push_back({key, {}});
        out[it->second].second.push_back(i);
    }
    return out;
}

std::string number(double v) {
    return valueText(ExprValue::of(v));
}

void markCurves(RunTable& table, const RunSelection& s) {
    const auto curves = groups(table, s.runKey, [](const Run&) { return false; });
    for (const auto& [key, members] : curves) {
        // The last point is the one trained longest; without a token count, the file's last row.
        size_t last = members.back();
        for (size_t i : members) {
            Run& r = table.runs[i];
            r.curve = key;
            const Run& l = table.runs[last];
            if (r.has(Field::Tokens) && l.has(Field::Tokens) && r.get(Field::Tokens) > l.get(Field::Tokens))
                last = i;
        }
        if (s.allCheckpoints || members.size() < 2) continue;
        for (size_t i : members) {
            Run& r = table.runs[i];
            if (i == last || r.excluded) continue;
            r.excluded = true;
            r.excludedWhy = std::string(kCheckpointReason) + " (" + key + ")";
        }
    }
}

} // namespace

bool parseColumnList(const std::string& option, const std::string& text, std::vector<std::string>& out,
                     std::string& error) {
    out.clear();
    size_t start = 0;
    for (;;) {
        const size_t comma = text.find(',', start);
        std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t") + 1);
        if (name.empty()) {
            error = "--" + option + " '" + text + "': expected COLUMN[,COLUMN...]";
            return false;
        }
        out.push_back(name);
        if (comma == std::string::npos) return true;
        start = comma + 1;
    }
}

bool applySelection(RunTable& table, const RunSelection& s, std::string& error) {
    if (!checkColumns(table, "run-key", s.runKey, error)) return false;
    const char* option = s.per == RunSelection::Per::Mean ? "mean-per" : "best-per";
    if (!checkColumns(table, option, s.groupColumns, error)) return false;
    if (s.per != RunSelection::Per::None && s.allCheckpoints) {
        error = std::string("--") + option +
                " picks one row per group; it cannot be combined with --all-checkpoints";
        return false;
    }
    if (!s.runKey.empty()) markCurves(table, s);
    if (s.per == RunSelection::Per::None) return true;

    const auto sets =
        groups(table, s.groupColumns, [](const Run& r) { return r.excluded || !r.has(Field::Loss); });
    for (const auto& [key, members] : sets) {
        if (s.per == RunSelection::Per::Best) {
            size_t best = members.front();
            for (size_t i : members)
                if (table.runs[i].get(Field::Loss) < table.runs[best].get(Field::Loss)) best = i;
            for (size_t i : members) {
                if (i == best) continue;
                Run& r = table.runs[i];
                r.excluded = true;
                r.excludedWhy = std::string(kNotBestReason) + " (" + key + "): loss " +
                                number(r.get(Field::Loss)) + " > " +
                                number(table.runs[best].get(Field::Loss)) + " on line " +
                                std::to_string(table.runs[best].sourceLine);
            }
            continue;
        }
        if (members.size() < 2) continue;
        double sum = 0;
        for (size_t i : members)
            sum += table.runs[i].get(Field::Loss);
        Run mean = table.runs[members.front()];
        mean.set(Field::Loss, sum / static_cast<double>(members.size()));
        mean.id = 0;
        mean.meanOf = key + " (" + std::to_string(members.size()) + " runs)";
        for (size_t i : members) {
            Run& r = table.runs[i];
            r.excluded = true;
            r.excludedWhy = std::string(kAveragedReason) + " (" + key + ")";
        }
        table.runs.push_back(std::move(mean));
    }
    return true;
}

void clearGroupSelection(RunTable& table) {
    auto startsWith = [](const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; };
    table.runs.erase(
        std::remove_if(table.runs.begin(), table.runs.end(), [](const Run& r) { return !r.meanOf.empty(); }),
        table.runs.end());
    for (Run& r : table.runs)
        if (startsWith(r.excludedWhy, kNotBestReason) || startsWith(r.excludedWhy, kAveragedReason)) {
            r.excluded = false;
            r.excludedWhy.clear();
        }
}

} // namespace moescope

namespace moescope {

std::string runGroup(const RunTable& table, const Run& run) {
    const auto lookup = runLookup(table, run);
    for (const char* name : {"group", "run_group"})
        if (table.labelIndex(name) >= 0 || table.metricIndex(name) >= 0) return valueText(*lookup(name));
    std::string out;
    auto add = [&out](const std::string& name, const std::string& value) {
        if (!value.empty()) out += (out.empty() ? "" : ", ") + name + "=" + value;
    };
    add("vocab", valueText(ExprValue::of(run.get(Field::Vocab))));
    add("ctx", valueText(ExprValue::of(run.get(Field::Ctx))));
    for (const char* name : {"corpus", "dataset", "tokenizer"})
        if (table.labelIndex(name) >= 0 || table.metricIndex(name) >= 0) add(name, valueText(*lookup(name)));
    return out;
}

} // namespace moescope
