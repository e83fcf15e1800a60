#pragma once
// What an import reads rows from, whatever the file's format: a header of column names and records of
// text cells, each with the line it starts on. CSV (CsvReader), JSON Lines and JSON arrays
// (JsonRecordReader), and the derived-column stage (ColumnTransforms) all hand rows out this way, so one
// importer maps, checks and reports them alike.
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

class RecordSource {
public:
    enum class Status {
        Row,    // `fields` and `line` hold the next record
        BadRow, // this record is unusable (`error` says why); the ones after it are fine
        End,
        Error, // the rest of the source cannot be read
    };
    virtual ~RecordSource() = default;

    virtual const std::vector<std::string>& header() const = 0;
    virtual int headerLine() const = 0;
    // A guess at the record count, for reserving.
    virtual size_t estimatedRows() const = 0;
    // The views stay valid until the next call. On BadRow/Error, `fields.size()` is the index of the
    // column at fault where there is one.
    virtual Status next(std::vector<std::string_view>& fields, int& line, std::string& error) = 0;
};

} // namespace moescope

namespace moescope {

// A number as a cell's text: the shortest form that reads back exactly; NaN is an empty cell.
std::string cellText(double v);

// Why a record with `fields` cells does not fit `header` ("short row: 3 fields, header has 5"), and the
// column where it goes wrong; empty when it fits.
std::string recordWidthProblem(size_t fields, const std::vector<std::string>& header, std::string& column);

} // namespace moescope

#include "core/io/TextFile.h"

#include <memory>

namespace moescope {

// The reader for `text` by its content: JSON Lines or a JSON array when it starts with '{' or '[', CSV
// otherwise. Null with `error` when the text cannot be read at all; `format` gets "csv", "jsonl" or "json".
std::unique_ptr<RecordSource> openRecordSource(TextBuffer text, std::string& error, std::string& format);

} // namespace moescope
