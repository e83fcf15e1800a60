#pragma once
// A fast RFC-4180-ish reader: delimiter detection (',' ';' tab), UTF-8 BOM, LF/CRLF/CR line ends, quoted
// fields with embedded delimiters, newlines and doubled quotes. Rows are handed out as string_views into
// the mapped file (or into per-row scratch for fields that needed unescaping), so reading a million rows
// allocates almost nothing, and pages already read leave memory as the reader moves on.
#include "core/io/RecordSource.h"
#include "core/io/TextFile.h"

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

class CsvReader : public RecordSource {
public:
    // Loads a file; false with `error` set when it cannot be read or is not text.
    bool open(const std::string& path, std::string& error);
    // Uses `text` as the file's content (tests, pasted data).
    bool openText(std::string text, std::string& error);
    bool openBuffer(TextBuffer text, std::string& error);

    char delimiter() const { return delimiter_; }
    const std::vector<std::string>& header() const override { return header_; }
    int headerLine() const override { return headerLine_; }
    // From the file size and the first record's length.
    size_t estimatedRows() const override;

    // The next non-blank record. On Row, `fields` and `line` (1-based, where the record starts) are set;
    // the views stay valid until the next call. On Error, `error` says what and `line`/`fields.size()`
    // tell where (the field index is the count of complete fields before the problem).
    Status next(std::vector<std::string_view>& fields, int& line, std::string& error) override;

    static char detectDelimiter(std::string_view firstLine);

private:
    bool start(std::string& error);
    bool atLineEnd(size_t p) const { return p >= buf_.size() || buf_[p] == '\n' || buf_[p] == '\r'; }
    size_t skipLineEnd(size_t p);
    // Where the unquoted field starting at p ends: the first delimiter or line end, or n.
    size_t fieldEnd(const char* data, size_t p, size_t n) const;

    TextBuffer text_;
    std::string_view buf_;
    bool stops_[256] = {}; // bytes that end an unquoted field: the delimiter and line ends
    size_t pos_ = 0;
    int line_ = 1;
    char delimiter_ = ',';
    std::vector<std::string> header_;
    int headerLine_ = 1;
    size_t firstRecordBytes_ = 1;
    std::deque<std::string> scratch_; // deque: growing it never moves the strings views point into
};

} // namespace moescope
