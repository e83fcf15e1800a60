#include "core/io/ColumnMapping.h"

#include <algorithm>
#include <cctype>

namespace moescope {

namespace {
// A normalised header against an alias, where '*' stands for any run of characters (several columns
// matching one pattern — one eval loss per corpus, say — leave the field for --map).
bool matches(const std::string& header, const char* pattern) {
    const std::string p = pattern;
    const auto star = p.find('*');
    if (star == std::string::npos) return header == p;
    const std::string head = p.substr(0, star), tail = p.substr(star + 1);
    return header.size() > head.size() + tail.size() && header.compare(0, head.size(), head) == 0 &&
           header.compare(header.size() - tail.size(), tail.size(), tail) == 0;
}

// Headers seen in public sweeps. Only names that cannot mean anything else are listed: "n" or "e" alone
// could be many things, so they need --map.
struct Alias {
    Field field;
    std::vector<const char*> names;
};
const std::vector<Alias>& aliases() {
    static const std::vector<Alias> table = {
        {Field::Params,
         {"params", "n_params", "num_params", "total_params", "total_parameters", "parameters", "model_size",
          "total_parameter_count", "n_parameters", "num_parameters"}},
        {Field::ActiveParams,
         {"active_params", "n_active_params", "num_active_params", "active_parameters", "activated_params",
          "dense_parameter_count", "params_active*"}},
        {Field::Sparsity, {"sparsity"}},
        {Field::Experts, {"experts", "num_experts", "n_experts", "total_experts", "n_routed_experts"}},
        {Field::ActiveExperts,
         {"active_experts", "top_k", "topk", "k", "num_active_experts", "experts_per_token",
          "num_experts_per_tok"}},
        {Field::Granularity, {"granularity"}},
        {Field::DModel, {"d_model", "hidden_size", "model_dim", "n_embd", "dim"}},
        {Field::NLayers, {"n_layers", "num_layers", "layers", "num_blocks", "n_layer", "num_hidden_layers"}},
        {Field::NHeads, {"n_heads", "num_heads", "heads", "n_head", "num_attention_heads"}},
        {Field::Ctx, {"ctx", "context", "seq_len", "sequence_length", "context_length", "block_size"}},
        {Field::Vocab, {"vocab", "vocab_size", "n_vocab"}},
        {Field::Tokens,
         {"tokens", "n_tokens", "num_tokens", "train_tokens", "training_tokens", "data_size", "tokens_seen"}},
        {Field::Flops, {"flops", "compute", "training_flop", "training_flops", "train_flops", "total_flops"}},
        {Field::Loss,
         {"loss", "val_loss", "validation_loss", "eval_loss", "final_loss", "loss_validation", "*_eval_loss",
          "paloma_*loss"}},
        {Field::Budget, {"budget", "flop_budget", "compute_budget", "isoflop", "budget_flops"}},
    };
    return table;
}

std::string fieldList() {
    std::string s;
    for (Field f : allFields()) {
        if (!s.empty()) s += ", ";
        s += fieldName(f);
    }
    return s;
}
} // namespace

bool parseMappingOverride(const std::string& text, MappingOverride& out, std::string& error) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        error = "--map '" + text + "': expected FIELD=COLUMN";
        return false;
    }
    out.field = text.substr(0, eq);
    out.column = text.substr(eq + 1);
    if (!fieldFromName(out.field)) {
        error = "--map '" + text + "': unknown field '" + out.field + "' (fields: " + fieldList() + ")";
        return false;
    }
    return true;
}

std::string ColumnMapping::normalizeHeader(const std::string& h) {
    std::string out;
    for (unsigned char c : h) {
        if (std::isalnum(c))
            out.push_back(static_cast<char>(std::tolower(c)));
        else if (!out.empty() && out.back() != '_')
            out.push_back('_');
    }
    while (!out.empty() && out.back() == '_')
        out.pop_back();
    return out;
}

std::string quotedColumns(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "'" : ", '") + n + "'";
    return out;
}

bool ColumnMapping::build(const std::vector<std::string>& header,
                          const std::vector<MappingOverride>& overrides, std::string& error) {
    header_ = header;
    notes_.clear();
    std::fill(std::begin(columns_), std::end(columns_), -1);
    std::vector<bool> explicitField(kFieldCount, false);
    std::vector<bool> claimed(header.size(), false);

    for (const auto& o : overrides) {
        const Field f = *fieldFromName(o.field);
        explicitField[static_cast<int>(f)] = true;
        if (o.column.empty()) continue;
        const auto it = std::find(header.begin(), header.end(), o.column);
        if (it == header.end()) {
            error = "--map " + o.field + "=" + o.column + ": no column '" + o.column +
                    "' (columns: " + quotedColumns(header) + ")";
            return false;
        }
        const int c = static_cast<int>(it - header.begin());
        if (claimed[c]) {
            error = "--map " + o.field + "=" + o.column + ": column '" + o.column + "' is already mapped";
            return false;
        }
        claimed[c] = true;
        columns_[static_cast<int>(f)] = c;
    }

    std::vector<std::string> normalized;
    for (const auto& h : header)
        normalized.push_back(normalizeHeader(h));
    for (const auto& alias : aliases()) {
        const int fi = static_cast<int>(alias.field);
        if (explicitField[fi]) continue;
        std::vector<int> hits;
        for (size_t c = 0; c < header.size(); ++c) {
            if (claimed[c]) continue;
            for (const char* name : alias.names)
                if (matches(normalized[c], name)) {
                    hits.push_back(static_cast<int>(c));
                    break;
                }
        }
        if (hits.size() == 1) {
            columns_[fi] = hits[0];
            claimed[hits[0]] = true;
        } else if (hits.size() > 1) {
            std::vector<std::string> names;
            for (int c : hits)
                names.push_back(header[c]);
            const std::string cols = quotedColumns(names);
            notes_.push_back("field '" + std::string(fieldName(alias.field)) + "' left unmapped: columns " +
                             cols + " all look like it; choose one with --map " +
                             std::string(fieldName(alias.field)) + "=COLUMN");
        }
    }
    return true;
}

std::vector<std::pair<std::string, std::string>> ColumnMapping::used() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (Field f : allFields())
        if (isMapped(f)) out.emplace_back(std::string(fieldName(f)), header_[columnOf(f)]);
    return out;
}

std::vector<int> ColumnMapping::unmappedColumns() const {
    std::vector<int> out;
    for (int c = 0; c < static_cast<int>(header_.size()); ++c)
        if (std::find(std::begin(columns_), std::end(columns_), c) == std::end(columns_)) out.push_back(c);
    return out;
}

} // namespace moescope
