#include "core/io/CsvReader.h"

#include "core/io/TextFile.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace moescope {

char CsvReader::detectDelimiter(std::string_view firstLine) {
    int counts[3] = {0, 0, 0};
    const char candidates[3] = {',', ';', '\t'};
    bool quoted = false;
    for (char c : firstLine) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        for (int i = 0; i < 3; ++i)
            if (c == candidates[i]) ++counts[i];
    }
    int best = 0;
    for (int i = 1; i < 3; ++i)
        if (counts[i] > counts[best]) best = i;
    return candidates[best];
}

bool CsvReader::open(const std::string& path, std::string& error) {
    std::string text;
    return readWholeFile(path, text, error) && openText(std::move(text), error);
}

bool CsvReader::openText(std::string text, std::string& error) {
    buf_ = std::move(text);
    pos_ = 0;
    line_ = 1;
    header_.clear();
    return start(error);
}

bool CsvReader::start(std::string& error) {
    if (!checkUtf8Text(buf_, pos_, error)) return false;
    // Blank lines before the header are tolerated.
    while (pos_ < buf_.size() && (buf_[pos_] == '\n' || buf_[pos_] == '\r'))
        pos_ = skipLineEnd(pos_);
    size_t eol = pos_;
    while (!atLineEnd(eol))
        ++eol;
    delimiter_ = detectDelimiter(std::string_view(buf_).substr(pos_, eol - pos_));

    std::vector<std::string_view> fields;
    int line = 0;
    const Status s = next(fields, line, error);
    if (s == Status::End) {
        error = "empty file: no header line";
        return false;
    }
    if (s == Status::Error) return false;
    headerLine_ = line;
    for (auto f : fields) {
        while (!f.empty() && (f.front() == ' ' || f.front() == '\t'))
            f.remove_prefix(1);
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t'))
            f.remove_suffix(1);
        header_.emplace_back(f);
    }
    // Measure one record (the header's views are copied above, so scratch may be reused), then rewind.
    const size_t dataStart = pos_;
    const int dataLine = line_;
    if (next(fields, line, error) == Status::Row) firstRecordBytes_ = std::max<size_t>(1, pos_ - dataStart);
    pos_ = dataStart;
    line_ = dataLine;
    error.clear();
    return true;
}

size_t CsvReader::estimatedRows() const {
    return (buf_.size() - pos_) / firstRecordBytes_ + 1;
}

size_t CsvReader::skipLineEnd(size_t p) {
    if (p < buf_.size() && buf_[p] == '\r') ++p;
    if (p < buf_.size() && buf_[p] == '\n') ++p;
    ++line_;
    return p;
}

CsvReader::Status CsvReader::next(std::vector<std::string_view>& fields, int& line, std::string& error) {
    fields.clear();
    size_t scratchUsed = 0;
    while (pos_ < buf_.size() && (buf_[pos_] == '\n' || buf_[pos_] == '\r'))
        pos_ = skipLineEnd(pos_);
    if (pos_ >= buf_.size()) return Status::End;
    line = line_;
    const char* data = buf_.data();
    const size_t n = buf_.size();
    size_t p = pos_;
    for (;;) {
        if (p < n && data[p] == '"') {
            const int quoteLine = line_;
            size_t q = p + 1;
            bool escaped = false;
            for (;;) {
                const void* hit = q < n ? std::memchr(data + q, '"', n - q) : nullptr;
                if (!hit) {
                    line = quoteLine;
                    error = "unterminated quoted field";
                    pos_ = n;
                    return Status::Error;
                }
                const size_t quote = static_cast<const char*>(hit) - data;
                for (size_t k = q; k < quote; ++k)
                    if (data[k] == '\n' || (data[k] == '\r' && (k + 1 >= n || data[k + 1] != '\n'))) ++line_;
                if (quote + 1 < n && data[quote + 1] == '"') {
                    escaped = true;
                    q = quote + 2;
                    continue;
                }
                q = quote;
                break;
            }
            std::string_view content(data + p + 1, q - p - 1);
            if (escaped) {
                if (scratch_.size() <= scratchUsed) scratch_.emplace_back();
                std::string& s = scratch_[scratchUsed++];
                s.clear();
                for (size_t k = 0; k < content.size(); ++k) {
                    s.push_back(content[k]);
                    if (content[k] == '"') ++k;
                }
                content = s;
            }
            fields.push_back(content);
            p = q + 1;
            // Text after a closing quote (`"a"b`) is kept as part of the field's neighbourhood: skip to the
            // delimiter so a sloppy writer does not shift the columns.
            while (p < n && data[p] != delimiter_ && data[p] != '\n' && data[p] != '\r')
                ++p;
        } else {
            size_t e = p;
            while (e < n && data[e] != delimiter_ && data[e] != '\n' && data[e] != '\r')
                ++e;
            fields.emplace_back(data + p, e - p);
            p = e;
        }
        if (p < n && data[p] == delimiter_) {
            ++p;
            continue;
        }
        pos_ = p < n ? skipLineEnd(p) : n;
        return Status::Row;
    }
}

} // namespace moescope
