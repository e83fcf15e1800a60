#include "core/io/RecordSource.h"

#include <charconv>
#include <cmath>

namespace moescope {

std::string cellText(double v) {
    if (std::isnan(v)) return {};
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string recordWidthProblem(size_t fields, const std::vector<std::string>& header, std::string& column) {
    if (fields == header.size()) return {};
    const bool shortRow = fields < header.size();
    column = header[shortRow ? fields : header.size() - 1];
    return (shortRow ? "short row: " : "long row: ") + std::to_string(fields) + " fields, header has " +
           std::to_string(header.size());
}

} // namespace moescope

#include "core/io/CsvReader.h"
#include "core/io/JsonRecordReader.h"

namespace moescope {

std::unique_ptr<RecordSource> openRecordSource(TextBuffer text, std::string& error, std::string& format) {
    if (JsonRecordReader::looksLikeJson(text.view())) {
        auto json = std::make_unique<JsonRecordReader>();
        if (!json->openBuffer(std::move(text), error)) return nullptr;
        format = json->format();
        return json;
    }
    auto csv = std::make_unique<CsvReader>();
    if (!csv->openBuffer(std::move(text), error)) return nullptr;
    format = "csv";
    return csv;
}

} // namespace moescope
