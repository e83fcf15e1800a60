#include "core/io/ColumnTransforms.h"

#include "core/io/CsvReader.h"
#include "core/model/NumberParser.h"

#include <cmath>
#include <map>
#include <unordered_map>

namespace moescope {

namespace {

// "NAME=REST" with both parts present; false with `error` naming the option.
bool splitAssignment(const std::string& option, const std::string& text, std::string& name, std::string& rest,
                     std::string& error) {
    const auto eq = text.find('=');
    if (eq != std::string::npos) {
        name = std::string(trimBlanks(std::string_view(text).substr(0, eq)));
        rest = std::string(trimBlanks(std::string_view(text).substr(eq + 1)));
    }
    if (eq == std::string::npos || name.empty() || rest.empty()) {
        error = "--" + option + " '" + text + "': expected NAME=" + (option == "set" ? "VALUE" : "EXPR");
        return false;
    }
    return true;
}

} // namespace

std::vector<MappingOverride> ColumnTransforms::fieldOverrides() const {
    std::vector<MappingOverride> out;
    auto add = [&out](const std::string& name) {
        if (!fieldFromName(name)) return;
        for (auto& o : out)
            if (o.field == name) return;
        out.push_back({name, name});
    };
    for (const auto& c : constants)
        add(c.name);
    for (const auto& f : formulas)
        add(f.name);
    return out;
}

bool ColumnTransforms::addConstant(const std::string& text, std::string& error) {
    Constant c;
    if (!splitAssignment("set", text, c.name, c.value, error)) return false;
    constants.push_back(std::move(c));
    return true;
}

bool ColumnTransforms::addLookup(const std::string& text, std::string& error) {
    const auto colon = text.find(':');
    Lookup l;
    if (colon != std::string::npos) {
        l.column = std::string(trimBlanks(std::string_view(text).substr(0, colon)));
        l.file = std::string(trimBlanks(std::string_view(text).substr(colon + 1)));
    }
    if (l.column.empty() || l.file.empty()) {
        error = "--lookup '" + text + "': expected COLUMN:FILE.csv";
        return false;
    }
    lookups.push_back(std::move(l));
    return true;
}

bool ColumnTransforms::addFormula(const std::string& text, std::string& error) {
    Formula f;
    std::string expression;
    if (!splitAssignment("derive", text, f.name, expression, error)) return false;
    if (!Expression::parse(expression, f.expression, error)) {
        error = "--derive " + f.name + ": " + error;
        return false;
    }
    formulas.push_back(std::move(f));
    return true;
}

bool ColumnTransforms::setWhere(const std::string& text, std::string& error) {
    if (!Expression::parse(text, where, error)) {
        error = "--where: " + error;
        return false;
    }
    return true;
}

struct TransformedRecords::Impl {
    struct Table {
        std::string file;
        int keyColumn = 0;        // in the sweep's header
        std::vector<int> targets; // sweep columns the table's other columns fill
        std::map<std::string, std::vector<std::string>, std::less<>> rows;
    };
    std::vector<std::pair<int, const std::string*>> constants;
    std::vector<Table> tables;
    std::vector<std::pair<int, const Expression*>> formulas;
    std::unordered_map<std::string, int> columnOf;
    std::vector<std::string_view> innerFields;
    std::vector<std::string_view> row;
    std::vector<std::string> computed; // by column: formula results the row's views point into

    int column(std::vector<std::string>& header, const std::string& name) {
        const auto it = columnOf.find(name);
        if (it != columnOf.end()) return it->second;
        header.push_back(name);
        return columnOf[name] = static_cast<int>(header.size()) - 1;
    }

    Expression::Lookup lookup(const ColumnMapping* mapping) const {
        return [this, mapping](const std::string& name) -> std::optional<ExprValue> {
            int c = -1;
            if (const auto it = columnOf.find(name); it != columnOf.end())
                c = it->second;
            else if (const auto f = fieldFromName(name); f && mapping)
                c = mapping->columnOf(*f);
            if (c < 0) return std::nullopt;
            return ExprValue::of(std::string(trimBlanks(row[c])));
        };
    }
    const ColumnMapping* mapping = nullptr;
};

TransformedRecords::TransformedRecords(RecordSource& inner, const ColumnTransforms& transforms)
    : inner_(inner), transforms_(transforms), impl_(std::make_unique<Impl>()) {}

TransformedRecords::~TransformedRecords() = default;

bool TransformedRecords::prepare(std::string& error) {
    Impl& m = *impl_;
    header_.clear();
    m.columnOf.clear();
    for (const auto& h : inner_.header())
        m.column(header_, h);
    for (const auto& c : transforms_.constants)
        m.constants.emplace_back(m.column(header_, c.name), &c.value);

    for (const auto& l : transforms_.lookups) {
        const auto key = m.columnOf.find(l.column);
        if (key == m.columnOf.end()) {
            error = "--lookup " + l.column + ":" + l.file + ": no column '" + l.column +
                    "' (columns: " + quotedColumns(header_) + ")";
            return false;
        }
        CsvReader reader;
        std::string readError;
        if (!reader.open(l.file, readError)) {
            error = "--lookup " + l.column + ":" + l.file + ": " + readError;
            return false;
        }
        Impl::Table table;
        table.file = l.file;
        table.keyColumn = key->second;
        const auto& h = reader.header();
        int keyIndex = 0;
        for (size_t i = 0; i < h.size(); ++i)
            if (h[i] == l.column) keyIndex = static_cast<int>(i);
        if (h.size() < 2) {
            error = l.file + ":" + std::to_string(reader.headerLine()) +
                    ": a lookup table needs a key column and at least one value column";
            return false;
        }
        std::vector<int> valueColumns;
        for (size_t i = 0; i < h.size(); ++i)
            if (static_cast<int>(i) != keyIndex && m.columnOf.count(h[i]) && !transforms_.lookupOverwrite) {
                error = "--lookup " + l.column + ":" + l.file + ": its column '" + h[i] +
                        "' is a column of the sweep already; pass --lookup-overwrite to replace it";
                return false;
            }
        for (size_t i = 0; i < h.size(); ++i)
            if (static_cast<int>(i) != keyIndex) {
                valueColumns.push_back(static_cast<int>(i));
                table.targets.push_back(m.column(header_, h[i]));
            }
        std::vector<std::string_view> fields;
        int line = 0;
        for (;;) {
            const auto status = reader.next(fields, line, readError);
            if (status == Status::End) break;
            std::string column;
            std::string problem =
                status == Status::Row ? recordWidthProblem(fields.size(), h, column) : readError;
            const std::string k(status == Status::Row ? trimBlanks(fields[keyIndex]) : std::string_view());
            if (problem.empty() && table.rows.count(k)) problem = "key '" + k + "' appears twice";
            if (!problem.empty()) {
                error = l.file + ":" + std::to_string(line) + ": " + problem;
                return false;
            }
            std::vector<std::string> values;
            for (int c : valueColumns)
                values.emplace_back(trimBlanks(fields[c]));
            table.rows.emplace(k, std::move(values));
        }
        if (table.rows.empty()) {
            error = l.file + ": the lookup table has no rows";
            return false;
        }
        m.tables.push_back(std::move(table));
    }

    for (const auto& f : transforms_.formulas) {
        for (const auto& name : f.expression.columns())
            if (!m.columnOf.count(name)) {
                error = "--derive " + f.name + "=" + f.expression.text() + ": unknown column '" + name +
                        "' (columns: " + quotedColumns(header_) + ")";
                return false;
            }
        m.formulas.emplace_back(m.column(header_, f.name), &f.expression);
    }
    m.computed.assign(header_.size(), {});
    return true;
}

bool TransformedRecords::bindFields(const ColumnMapping& mapping, std::string& error) {
    impl_->mapping = &mapping;
    for (const auto& name : transforms_.where.columns()) {
        const auto f = fieldFromName(name);
        if (impl_->columnOf.count(name) || (f && mapping.isMapped(*f))) continue;
        error = "--where " + transforms_.where.text() + ": unknown column '" + name +
                "' (columns: " + quotedColumns(header_) +
                (f ? "; the field '" + name + "' is not mapped to any" : "") + ")";
        return false;
    }
    return true;
}

RecordSource::Status TransformedRecords::next(std::vector<std::string_view>& fields, int& line,
                                              std::string& error) {
    Impl& m = *impl_;
    for (;;) {
        badColumn_.clear();
        const Status status = inner_.next(m.innerFields, line, error);
        if (status != Status::Row) return status;
        const std::string problem = recordWidthProblem(m.innerFields.size(), inner_.header(), badColumn_);
        if (!problem.empty()) return error = problem, Status::BadRow;

        m.row.assign(header_.size(), std::string_view());
        std::copy(m.innerFields.begin(), m.innerFields.end(), m.row.begin());
        for (const auto& [c, value] : m.constants)
            m.row[c] = *value;
        for (const auto& t : m.tables) {
            const std::string_view key = trimBlanks(m.row[t.keyColumn]);
            const auto hit = t.rows.find(key);
            if (hit == t.rows.end()) {
                badColumn_ = header_[t.keyColumn];
                std::string keys;
                int shown = 0;
                for (auto it = t.rows.begin(); it != t.rows.end() && shown < 8; ++it, ++shown)
                    keys += (keys.empty() ? "'" : ", '") + it->first + "'";
                error = "'" + std::string(key) + "' is not a key of the lookup table " + t.file +
                        " (keys: " + keys + (t.rows.size() > 8 ? ", ..." : "") + ")";
                return Status::BadRow;
            }
            for (size_t i = 0; i < t.targets.size(); ++i)
                m.row[t.targets[i]] = hit->second[i];
        }
        const auto lookup = m.lookup(m.mapping);
        for (const auto& [c, expression] : m.formulas) {
            ExprValue v;
            if (!expression->evaluate(lookup, v, error)) {
                badColumn_ = header_[c];
                error = "--derive " + header_[c] + ": " + error;
                return Status::BadRow;
            }
            if (!v.isString && !std::isfinite(v.number)) {
                bool missingInput = false;
                for (const auto& name : expression->columns())
                    if (const auto it = m.columnOf.find(name); it != m.columnOf.end())
                        missingInput = missingInput || trimBlanks(m.row[it->second]).empty();
                if (!missingInput) {
                    badColumn_ = header_[c];
                    error = "--derive " + header_[c] + "=" + expression->text() + ": the result is " +
                            (std::isnan(v.number) ? "not a number" : "infinite") + " for this row";
                    return Status::BadRow;
                }
            }
            m.computed[c] = v.isString ? v.text : cellText(v.number);
            m.row[c] = m.computed[c];
        }
        if (!transforms_.where.empty()) {
            bool keep = false;
            if (!transforms_.where.test(lookup, keep, error)) {
                error = "--where: " + error;
                return Status::BadRow;
            }
            if (!keep) {
                ++filtered_;
                continue;
            }
        }
        fields = m.row;
        return Status::Row;
    }
}

} // namespace moescope
