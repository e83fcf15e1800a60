#include "core/io/JsonRecordReader.h"

#include "core/io/Json.h"
#include "core/io/TextFile.h"

#include <algorithm>
#include <cstdlib>

namespace moescope {

namespace {

size_t skipSpace(std::string_view t, size_t p) {
    while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r'))
        ++p;
    return p;
}

void flatten(const Json& value, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
    switch (value.type()) {
    case Json::Type::Object:
        if (value.size() == 0 && !prefix.empty()) out.emplace_back(prefix, "");
        for (const auto& [key, member] : value.members())
            flatten(member, prefix.empty() ? key : prefix + "." + key, out);
        return;
    case Json::Type::Null:
        out.emplace_back(prefix, "");
        return;
    case Json::Type::Bool:
        out.emplace_back(prefix, value.boolean() ? "true" : "false");
        return;
    case Json::Type::Number:
        out.emplace_back(prefix, cellText(value.number()));
        return;
    case Json::Type::String:
        out.emplace_back(prefix, value.string());
        return;
    case Json::Type::Array:
        out.emplace_back(prefix, value.dump());
        return;
    }
}

} // namespace

bool JsonRecordReader::looksLikeJson(std::string_view text) {
    size_t p = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    p = skipSpace(text, p);
    return p < text.size() && (text[p] == '{' || text[p] == '[');
}

bool JsonRecordReader::open(const std::string& path, std::string& error) {
    TextBuffer text;
    return text.load(path, error) && openBuffer(std::move(text), error);
}

bool JsonRecordReader::openText(std::string text, std::string& error) {
    return openBuffer(TextBuffer(std::move(text)), error);
}

bool JsonRecordReader::openBuffer(TextBuffer buffer, std::string& error) {
    const std::string_view text = buffer.view();
    header_.clear();
    columnOf_.clear();
    records_.clear();
    cells_.clear();
    arena_.clear();
    errors_.clear();
    next_ = 0;
    size_t start = 0;
    if (!checkUtf8Text(text, start, error)) return false;
    start = skipSpace(text, start);
    isArray_ = start < text.size() && text[start] == '[';
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + start, '\n'));
    if (isArray_) {
        if (!splitArray(text, start, line, error)) return false;
    } else {
        splitLines(text, start, line);
    }
    if (records_.empty()) {
        error = isArray_ ? "empty JSON array: no records" : "no records";
        return false;
    }
    return true;
}

void JsonRecordReader::splitLines(std::string_view text, size_t start, int line) {
    size_t p = start;
    while (p < text.size()) {
        size_t eol = text.find('\n', p);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view record = text.substr(p, eol - p);
        if (skipSpace(record, 0) < record.size()) addRecord(record, line);
        ++line;
        p = eol + 1;
    }
}

bool JsonRecordReader::splitArray(std::string_view text, size_t start, int line, std::string& error) {
    // Find each top-level element's extent (strings and nesting respected) so each is parsed alone and a
    // bad one is reported at its own line.
    size_t p = start + 1;
    int depth = 0;
    bool inString = false;
    size_t elementStart = std::string_view::npos;
    int elementLine = line;
    for (; p < text.size(); ++p) {
        const char c = text[p];
        if (c == '\n') ++line;
        if (inString) {
            if (c == '\\')
                ++p;
            else if (c == '"')
                inString = false;
            continue;
        }
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (elementStart == std::string_view::npos && !space && c != ',' && c != ']') {
            elementStart = p;
            elementLine = line;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        } else if ((c == ',' || c == ']') && depth == 0) {
            if (elementStart != std::string_view::npos)
                addRecord(text.substr(elementStart, p - elementStart), elementLine);
            elementStart = std::string_view::npos;
            if (c == ']') break;
        }
    }
    if (p >= text.size()) {
        error = "line " + std::to_string(line) + ": the JSON array is not closed with ']'";
        return false;
    }
    if (skipSpace(text, p + 1) < text.size()) {
        error = "line " + std::to_string(line) + ": text after the JSON array's closing ']'";
        return false;
    }
    return true;
}

int JsonRecordReader::column(const std::string& key) {
    const auto [it, added] = columnOf_.emplace(key, static_cast<int>(header_.size()));
    if (added) header_.push_back(key);
    return it->second;
}

void JsonRecordReader::addRecord(std::string_view text, int line) {
    Record record;
    record.line = line;
    record.firstCell = cells_.size();
    Json value;
    std::string error;
    if (!Json::parse(text, value, error)) {
        record.error = static_cast<int>(errors_.size());
        // Json::parse counts from the record's start: for a line of JSON Lines that is its column.
        if (error.rfind("offset ", 0) == 0) {
            const size_t colon = error.find(':');
            const long offset = std::strtol(error.c_str() + 7, nullptr, 10);
            if (colon != std::string::npos)
                error = "column " + std::to_string(offset + 1) + error.substr(colon);
        }
        errors_.push_back("not valid JSON (" + error + ")");
    } else if (!value.isObject()) {
        record.error = static_cast<int>(errors_.size());
        errors_.push_back("not a JSON object (each record must be {\"column\": value, ...})");
    } else {
        std::vector<std::pair<std::string, std::string>> cells;
        flatten(value, "", cells);
        for (const auto& [key, cell] : cells) {
            // A key given twice keeps its last value, as a JSON object does.
            cells_.push_back({static_cast<uint32_t>(column(key)), arena_.size(), cell.size()});
            arena_ += cell;
        }
        record.cellCount = cells_.size() - record.firstCell;
    }
    records_.push_back(record);
}

RecordSource::Status JsonRecordReader::next(std::vector<std::string_view>& fields, int& line,
                                            std::string& error) {
    fields.clear();
    if (next_ >= records_.size()) return Status::End;
    const Record& r = records_[next_++];
    line = r.line;
    if (r.error >= 0) {
        error = errors_[static_cast<size_t>(r.error)];
        return Status::BadRow;
    }
    fields.assign(header_.size(), std::string_view());
    for (size_t i = r.firstCell; i < r.firstCell + r.cellCount; ++i) {
        const Cell& c = cells_[i];
        fields[c.column] = std::string_view(arena_.data() + c.offset, c.length);
    }
    return Status::Row;
}

} // namespace moescope
