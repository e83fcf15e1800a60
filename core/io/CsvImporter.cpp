#include "core/io/CsvImporter.h"

#include "core/io/CsvReader.h"
#include "core/model/NumberParser.h"

#include <cmath>
#include <fstream>

namespace moescope {

std::string ImportIssue::toString() const {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    s += ": ";
    if (!column.empty()) s += "column '" + column + "': ";
    return s + message;
}

int ImportResult::exitCode() const {
    switch (outcome) {
    case Outcome::Ok:
        return 0;
    case Outcome::Unreadable:
        return 1;
    default:
        return 2;
    }
}

namespace {

std::string formatValue(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

class RowImporter {
public:
    RowImporter(const std::string& file, const ColumnMapping& mapping, const std::vector<std::string>& header,
                ImportResult& result, const std::array<double, kFieldCount>& scale)
        : file_(file), mapping_(mapping), header_(header), result_(result), extra_(mapping.unmappedColumns()),
          scale_(scale) {
        extraValues_.resize(extra_.size());
    }

    // Parses one record; appends the run or the row's errors.
    void add(const std::vector<std::string_view>& fields, int line) {
        ++result_.rowsRead;
        issues_.clear();
        Run run;
        run.sourceLine = line;
        if (fields.size() != header_.size()) {
            const bool shortRow = fields.size() < header_.size();
            const std::string& col = header_[shortRow ? fields.size() : header_.size() - 1];
            issue(line, col,
                  (shortRow ? "short row: " : "long row: ") + std::to_string(fields.size()) +
                      " fields, header has " + std::to_string(header_.size()));
        } else {
            for (Field f : allFields())
                if (mapping_.isMapped(f)) readField(run, f, fields[mapping_.columnOf(f)], line);
            if (issues_.empty()) checkRun(run, line);
        }
        if (!issues_.empty()) {
            ++result_.rowsInvalid;
            result_.errors.insert(result_.errors.end(), issues_.begin(), issues_.end());
            return;
        }
        for (size_t i = 0; i < extra_.size(); ++i)
            extraValues_[i].emplace_back(fields[extra_[i]]);
        result_.table.runs.push_back(std::move(run));
    }

    // Unmapped columns become numeric metrics when every value is a number (or empty), text labels otherwise.
    void finishExtraColumns() {
        auto& table = result_.table;
        for (size_t i = 0; i < extra_.size(); ++i) {
            std::vector<double> numbers(extraValues_[i].size(), std::nan(""));
            bool numeric = true;
            for (size_t r = 0; r < numbers.size() && numeric; ++r)
                if (!extraValues_[i][r].empty()) numeric = parseNumber(extraValues_[i][r], numbers[r]);
            if (numeric) {
                table.metricNames.push_back(header_[extra_[i]]);
                for (size_t r = 0; r < numbers.size(); ++r)
                    table.runs[r].metrics.push_back(numbers[r]);
            } else {
                table.labelNames.push_back(header_[extra_[i]]);
                for (size_t r = 0; r < numbers.size(); ++r)
                    table.runs[r].labels.push_back(extraValues_[i][r]);
            }
        }
    }

private:
    void issue(int line, const std::string& column, std::string message) {
        issues_.push_back({file_, line, column, std::move(message)});
    }
    const std::string& columnName(Field f) const { return header_[mapping_.columnOf(f)]; }

    void readField(Run& run, Field f, std::string_view text, int line) {
        if (text.find_first_not_of(" \t") == std::string_view::npos) return; // empty: absent, maybe derivable
        double v = 0;
        std::string reason;
        if (!parseFieldValue(f, text, v, reason)) {
            issue(line, columnName(f), reason);
            // An out-of-range value is still kept on the row (it is reported, not imported); a non-number
            // leaves the field absent.
            if (!parseNumber(text, v)) return;
        }
        run.set(f, v * scale_[static_cast<int>(f)]);
    }

    void checkRun(Run& run, int line) {
        if (run.has(Field::Experts) && run.has(Field::ActiveExperts) &&
            run.get(Field::ActiveExperts) > run.get(Field::Experts))
            issue(line, columnName(Field::ActiveExperts),
                  "K = " + formatValue(run.get(Field::ActiveExperts)) +
                      " active experts exceeds E = " + formatValue(run.get(Field::Experts)));
        deriveMissingFields(run);
        if (run.has(Field::Sparsity) && run.isDerived(Field::Sparsity) &&
            (run.get(Field::Sparsity) < 0 || run.get(Field::Sparsity) >= 1))
            issue(line, columnName(Field::Experts), "derived sparsity outside [0, 1)");
        if (!run.has(Field::Loss) && issues_.empty() && run.has(Field::Params)) {
            // A crashed or still-running run is part of a real sweep: kept, and out of every fit.
            run.excluded = true;
            run.excludedWhy = "no loss";
            ++result_.rowsWithoutLoss;
            return;
        }
        for (Field f : {Field::Loss, Field::Params})
            if (!run.has(f) && issues_.empty())
                issue(line, mapping_.isMapped(f) ? columnName(f) : std::string(fieldName(f)),
                      "missing value" + std::string(f == Field::Params
                                                        ? " (and not derivable from the architecture)"
                                                        : ""));
    }

    const std::string& file_;
    const ColumnMapping& mapping_;
    const std::vector<std::string>& header_;
    ImportResult& result_;
    std::vector<int> extra_;
    std::vector<std::vector<std::string>> extraValues_;
    std::vector<ImportIssue> issues_;
    std::array<double, kFieldCount> scale_;
};

ImportResult fileError(ImportResult r, ImportResult::Outcome outcome, const std::string& file, int line,
                       const std::string& column, const std::string& message) {
    r.outcome = outcome;
    r.errors.push_back({file, line, column, message});
    return r;
}

ImportResult importFrom(CsvReader& reader, const std::string& file, const ImportOptions& options) {
    ImportResult result;
    result.delimiter = reader.delimiter();
    result.header = reader.header();

    std::vector<MappingOverride> overrides;
    for (const auto& o : options.overrides) {
        MappingOverride checked;
        std::string error;
        if (!parseMappingOverride(o.field + "=" + o.column, checked, error))
            return fileError(std::move(result), ImportResult::Outcome::BadOption, file, 0, "", error);
        overrides.push_back(checked);
    }
    ColumnMapping mapping;
    std::string error;
    if (!mapping.build(reader.header(), overrides, error))
        return fileError(std::move(result), ImportResult::Outcome::BadOption, file, 0, "", error);
    result.mapping = mapping.used();
    result.notes = mapping.notes();

    const bool hasArchitecture =
        mapping.isMapped(Field::DModel) && mapping.isMapped(Field::NLayers) && mapping.isMapped(Field::Vocab);
    if (!mapping.isMapped(Field::Loss))
        return fileError(std::move(result), ImportResult::Outcome::InvalidFile, file, reader.headerLine(),
                         "loss", "missing required column (map one with --map loss=COLUMN)");
    if (!mapping.isMapped(Field::Params) && !hasArchitecture)
        return fileError(
            std::move(result), ImportResult::Outcome::InvalidFile, file, reader.headerLine(), "params",
            "missing required column: give params (--map params=COLUMN) or d_model, n_layers and vocab");

    result.table.runs.reserve(std::min<size_t>(reader.estimatedRows(), 50'000'000));
    RowImporter rows(file, mapping, reader.header(), result, options.scale);
    std::vector<std::string_view> fields;
    int line = 0;
    for (;;) {
        const auto status = reader.next(fields, line, error);
        if (status == CsvReader::Status::End) break;
        if (status == CsvReader::Status::Error) {
            const size_t col = std::min(fields.size(), reader.header().size() - 1);
            ++result.rowsRead;
            ++result.rowsInvalid;
            // A broken quote swallows the rest of the file: nothing after it can be trusted.
            return fileError(std::move(result), ImportResult::Outcome::InvalidFile, file, line,
                             reader.header()[col], error + " (the rest of the file cannot be read)");
        }
        rows.add(fields, line);
    }
    if (result.rowsRead == 0)
        return fileError(std::move(result), ImportResult::Outcome::InvalidFile, file, reader.headerLine() + 1,
                         "", "no data rows after the header");
    rows.finishExtraColumns();
    if (result.rowsInvalid > 0 && !options.skipInvalid) result.outcome = ImportResult::Outcome::InvalidRows;
    if (result.rowsInvalid == result.rowsRead) result.outcome = ImportResult::Outcome::InvalidRows;
    return result;
}

} // namespace

ImportResult importCsvFile(const std::string& path, const ImportOptions& options) {
    CsvReader reader;
    std::string error;
    std::ifstream probe(path);
    if (!probe) {
        ImportResult r;
        return fileError(std::move(r), ImportResult::Outcome::Unreadable, path, 0, "", "cannot open file");
    }
    if (!reader.open(path, error)) {
        ImportResult r;
        return fileError(std::move(r), ImportResult::Outcome::InvalidFile, path, 0, "", error);
    }
    return importFrom(reader, path, options);
}

ImportResult importCsvText(std::string text, const std::string& displayName, const ImportOptions& options) {
    CsvReader reader;
    std::string error;
    if (!reader.openText(std::move(text), error)) {
        ImportResult r;
        return fileError(std::move(r), ImportResult::Outcome::InvalidFile, displayName, 0, "", error);
    }
    return importFrom(reader, displayName, options);
}

} // namespace moescope
