#include "core/io/CsvReader.h"

#include "core/io/TextFile.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
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
    TextBuffer text;
    return text.load(path, error) && openBuffer(std::move(text), error);
}

bool CsvReader::openText(std::string text, std::string& error) {
    return openBuffer(TextBuffer(std::move(text)), error);
}

bool CsvReader::openBuffer(TextBuffer text, std::string& error) {
    text_ = std::move(text);
    buf_ = text_.view();
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
    delimiter_ = detectDelimiter(buf_.substr(pos_, eol - pos_));
    std::fill(std::begin(stops_), std::end(stops_), false);
    for (const char c : {delimiter_, '\n', '\r'})
        stops_[static_cast<unsigned char>(c)] = true;

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

size_t CsvReader::fieldEnd(const char* data, size_t p, size_t n) const {
#if defined(__SSE2__)
    {
        // Sixteen bytes at a time: compare with each stop byte, the lowest set bit is the first stop.
        const __m128i delimiter = _mm_set1_epi8(delimiter_), lf = _mm_set1_epi8('\n'),
                      cr = _mm_set1_epi8('\r');
        for (; p + 16 <= n; p += 16) {
            const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + p));
            const __m128i hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(w, delimiter), _mm_cmpeq_epi8(w, lf)), _mm_cmpeq_epi8(w, cr));
            if (const int mask = _mm_movemask_epi8(hit))
                return p + __builtin_ctz(static_cast<unsigned>(mask));
        }
    }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    {
        // Eight bytes at a time: a byte equal to a stop byte becomes zero after the xor, and the lowest
        // byte flagged by the has-zero-byte test is exactly the first zero (higher flags may be borrows).
        constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        const uint64_t delimiter = ones * static_cast<unsigned char>(delimiter_), lf = ones * '\n',
                       cr = ones * '\r';
        const auto zeroByte = [](uint64_t x) { return (x - ones) & ~x & highs; };
        for (; p + 8 <= n; p += 8) {
            uint64_t w;
            std::memcpy(&w, data + p, 8);
            if (const uint64_t hit = zeroByte(w ^ delimiter) | zeroByte(w ^ lf) | zeroByte(w ^ cr))
                return p + (__builtin_ctzll(hit) >> 3);
        }
    }
#endif
    while (p < n && !stops_[static_cast<unsigned char>(data[p])])
        ++p;
    return p;
}

CsvReader::Status CsvReader::next(std::vector<std::string_view>& fields, int& line, std::string& error) {
    fields.clear();
    size_t scratchUsed = 0;
    while (pos_ < buf_.size() && (buf_[pos_] == '\n' || buf_[pos_] == '\r'))
        pos_ = skipLineEnd(pos_);
    if (pos_ >= buf_.size()) return Status::End;
    text_.release(pos_); // views handed out before this record are dead
    line = line_;
    const char* data = buf_.data();
    const size_t n = buf_.size();
    size_t p = pos_;
    // The mapped file is read once, front to back, straight from the page cache: ask for the lines a few
    // records ahead so the scan does not wait on memory at every new line.
    if (p + 1024 < n) __builtin_prefetch(data + p + 1024);
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
            const size_t e = fieldEnd(data, p, n);
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
