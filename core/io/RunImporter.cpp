#include "core/io/RunImporter.h"

#include "core/io/CsvReader.h"
#include "core/io/PageAdvice.h"
#include "core/io/TextFile.h"
#include "core/model/NumberParser.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

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
                ImportResult& result, const std::array<double, kFieldCount>& scale, bool keep,
                bool requireSize)
        : file_(file), mapping_(mapping), header_(header), result_(result),
          extra_(keep ? mapping.unmappedColumns() : std::vector<int>{}), scale_(scale), keep_(keep),
          requireSize_(requireSize) {
        for (Field f : allFields())
            if (mapping_.isMapped(f)) mapped_.push_back(f);
        extraValues_.resize(extra_.size());
    }

    // Parses one record; appends the run or the row's errors. The run is built where it will stay (no
    // move of a 216-byte Run per row) and taken back if the row turns out invalid.
    void add(const std::vector<std::string_view>& fields, int line) {
        ++result_.rowsRead;
        issues_.clear();
        auto& runs = result_.table.runs;
        Run& run = keep_ ? runs.emplace_back() : (scratch_ = Run());
        run.sourceLine = line;
        if (fields.size() != header_.size()) {
            std::string column;
            const std::string problem = recordWidthProblem(fields.size(), header_, column);
            issue(line, column, problem);
        } else {
            for (Field f : mapped_)
                readField(run, f, fields[mapping_.columnOf(f)], line);
            if (issues_.empty()) checkRun(run, line);
        }
        if (!issues_.empty()) {
            if (keep_) runs.pop_back();
            ++result_.rowsInvalid;
            result_.errors.insert(result_.errors.end(), issues_.begin(), issues_.end());
            return;
        }
        result_.rowsExcluded += run.excluded;
        for (size_t i = 0; i < extra_.size(); ++i)
            extraValues_[i].emplace_back(fields[extra_[i]]);
    }

    // A record the source could not make a row of (a line that is not JSON, a formula that failed).
    void addBad(int line, const std::string& column, std::string message) {
        ++result_.rowsRead;
        ++result_.rowsInvalid;
        result_.errors.push_back({file_, line, column, std::move(message)});
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
        // Empty (or blank) is absent, maybe derivable; a cell starting with a digit is not blank.
        if (text.empty() || ((text[0] == ' ' || text[0] == '\t') && trimBlanks(text).empty())) return;
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
            if (!run.has(f) && issues_.empty() && !(f == Field::Params && !requireSize_))
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
    bool keep_;
    bool requireSize_; // false for a table of optima, whose rows may state only budget and loss
    std::vector<Field> mapped_;
    Run scratch_; // the row being checked when runs are not kept
};

ImportResult fileError(ImportResult r, ImportResult::Outcome outcome, const std::string& file, int line,
                       const std::string& column, const std::string& message) {
    r.outcome = outcome;
    r.errors.push_back({file, line, column, message});
    return r;
}

ImportResult importFrom(RecordSource& records, const std::string& file, const ImportOptions& options) {
    ImportResult result;
    auto fail = [&](ImportResult::Outcome outcome, int line, const std::string& column,
                    const std::string& message) {
        return fileError(std::move(result), outcome, file, line, column, message);
    };
    std::string error;
    TransformedRecords transformed(records, options.transforms);
    if (!transformed.prepare(error)) return fail(ImportResult::Outcome::BadOption, 0, "", error);
    RecordSource& reader = options.transforms.empty() ? records : transformed;
    result.header = reader.header();

    // The user's --map first, then the fields the new columns are named after.
    std::vector<MappingOverride> overrides;
    for (const auto& o : options.overrides) {
        MappingOverride checked;
        if (!parseMappingOverride(o.field + "=" + o.column, checked, error))
            return fail(ImportResult::Outcome::BadOption, 0, "", error);
        overrides.push_back(checked);
    }
    for (const auto& o : options.transforms.fieldOverrides()) {
        bool mapped = false;
        for (const auto& u : overrides)
            mapped = mapped || u.field == o.field;
        if (!mapped) overrides.push_back(o);
    }
    ColumnMapping mapping;
    if (!mapping.build(reader.header(), overrides, error))
        return fail(ImportResult::Outcome::BadOption, 0, "", error);
    if (!transformed.bindFields(mapping, error)) return fail(ImportResult::Outcome::BadOption, 0, "", error);
    result.mapping = mapping.used();
    result.notes = mapping.notes();

    const bool hasArchitecture =
        mapping.isMapped(Field::DModel) && mapping.isMapped(Field::NLayers) && mapping.isMapped(Field::Vocab);
    if (!mapping.isMapped(Field::Loss))
        return fail(ImportResult::Outcome::InvalidFile, reader.headerLine(), "loss",
                    "missing required column (map one with --map loss=COLUMN or build one with --derive "
                    "loss=EXPR)");
    if (options.optimaTable && !mapping.isMapped(Field::Budget) && !mapping.isMapped(Field::Flops))
        return fail(
            ImportResult::Outcome::InvalidFile, reader.headerLine(), "budget",
            "missing required column: a table of optima needs each row's budget (--map budget=COLUMN)");
    if (!mapping.isMapped(Field::Params) && !hasArchitecture && !options.optimaTable)
        return fail(
            ImportResult::Outcome::InvalidFile, reader.headerLine(), "params",
            "missing required column: give params (--map params=COLUMN, --derive, --lookup) or d_model, "
            "n_layers and vocab");

    // A sweep with learning-rate ladders (run-sweep's `ladder` column) is fitted on each ladder's best run,
    // the others kept and excluded with the reason, unless the user chose a selection of their own.
    RunSelection selection = options.selection;
    const auto& names = reader.header();
    if (selection.empty() && std::find(names.begin(), names.end(), "ladder") != names.end()) {
        selection.per = RunSelection::Per::Best;
        selection.groupColumns = {"ladder"};
        result.notes.push_back("ladder: each learning-rate ladder's best run is fitted, the others are kept "
                               "and excluded (--best-per ladder)");
    }
    const bool keep = options.keepRuns || !selection.empty();
    result.runsKept = keep;
    std::optional<PagePrefaulter> prefault;
    if (keep) {
        auto& runs = result.table.runs;
        runs.reserve(std::min<size_t>(reader.estimatedRows(), 50'000'000));
        adviseHugePages(runs.data(), runs.capacity() * sizeof(Run));
        prefault.emplace(runs.data(), runs.capacity() * sizeof(Run));
    }
    RowImporter rows(file, mapping, reader.header(), result, options.scale, keep, !options.optimaTable);
    std::vector<std::string_view> fields;
    int line = 0;
    for (;;) {
        const auto status = reader.next(fields, line, error);
        if (status == RecordSource::Status::End) break;
        if (status == RecordSource::Status::BadRow) {
            rows.addBad(line, transformed.badColumn(), error);
            continue;
        }
        if (status == RecordSource::Status::Error) {
            const size_t col = std::min(fields.size(), reader.header().size() - 1);
            ++result.rowsRead;
            ++result.rowsInvalid;
            // A broken quote swallows the rest of the file: nothing after it can be trusted.
            return fail(ImportResult::Outcome::InvalidFile, line, reader.header()[col],
                        error + " (the rest of the file cannot be read)");
        }
        rows.add(fields, line);
    }
    result.rowsFiltered = transformed.rowsFiltered();
    if (result.rowsRead == 0 && result.rowsFiltered > 0)
        return fail(ImportResult::Outcome::BadOption, 0, "",
                    "--where " + options.transforms.where.text() + " matches none of the " +
                        std::to_string(result.rowsFiltered) + " rows");
    if (result.rowsRead == 0)
        return fail(ImportResult::Outcome::InvalidFile, reader.headerLine() + 1, "",
                    "no data rows after the header");
    rows.finishExtraColumns();
    result.table.sourceColumns = result.mapping;
    if (result.rowsInvalid > 0 && !options.skipInvalid) result.outcome = ImportResult::Outcome::InvalidRows;
    if (result.rowsInvalid == result.rowsRead) result.outcome = ImportResult::Outcome::InvalidRows;
    if (result.ok() && !selection.empty() && !applySelection(result.table, selection, error))
        return fail(ImportResult::Outcome::BadOption, 0, "", error);
    return result;
}

ImportResult importText(TextBuffer text, const std::string& file, const ImportOptions& options) {
    std::string error, format;
    const auto source = openRecordSource(std::move(text), error, format);
    if (!source) return fileError({}, ImportResult::Outcome::InvalidFile, file, 0, "", error);
    ImportResult result = importFrom(*source, file, options);
    result.format = format;
    if (const auto* csv = dynamic_cast<const CsvReader*>(source.get())) result.delimiter = csv->delimiter();
    return result;
}

} // namespace

ImportResult importRunsFile(const std::string& path, const ImportOptions& options) {
    TextBuffer text;
    std::string error;
    if (!text.load(path, error)) {
        // A folder or an endless device where a sweep file belongs is the user's mistake, not an I/O error.
        std::error_code ec;
        const bool notAFile =
            std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec);
        return fileError({},
                         notAFile ? ImportResult::Outcome::InvalidFile : ImportResult::Outcome::Unreadable,
                         path, 0, "", error);
    }
    return importText(std::move(text), path, options);
}

ImportResult importRunsText(std::string text, const std::string& displayName, const ImportOptions& options) {
    return importText(TextBuffer(std::move(text)), displayName, options);
}

} // namespace moescope
