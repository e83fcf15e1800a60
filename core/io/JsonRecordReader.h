#pragma once
// Sweep logs as JSON: JSON Lines (one object per line, as W&B and moescope-train write them) or one JSON
// array of objects. Nested objects flatten to dotted columns ({"optim": {"lr": 1e-3}} -> "optim.lr"); the
// header is every key in order of first appearance, and a record without a key has an empty cell there.
// Numbers keep their shortest exact text, booleans read "true"/"false", null is empty, arrays keep their
// JSON text. A record that is not an object is a bad row at its line; the records around it still import.
#include "core/io/RecordSource.h"
#include "core/io/TextFile.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace moescope {

class JsonRecordReader : public RecordSource {
public:
    // True when `text` (after any byte order mark and blank space) starts like JSON: '{' or '['.
    static bool looksLikeJson(std::string_view text);

    bool open(const std::string& path, std::string& error);
    bool openText(std::string text, std::string& error);
    // The records are parsed while opening; their cells' text is kept in one arena (no string per cell) and
    // the buffer is not kept.
    bool openBuffer(TextBuffer text, std::string& error);

    const std::vector<std::string>& header() const override { return header_; }
    int headerLine() const override { return 1; }
    size_t estimatedRows() const override { return records_.size(); }
    Status next(std::vector<std::string_view>& fields, int& line, std::string& error) override;
    // "jsonl" or "json" (an array).
    const char* format() const { return isArray_ ? "json" : "jsonl"; }

private:
    struct Cell {
        uint32_t column;
        size_t offset, length; // in arena_
    };
    struct Record {
        int line = 0;
        size_t firstCell = 0, cellCount = 0; // in cells_
        int error = -1;                      // index in errors_: a bad row
    };
    // `line`: the line `start` is on.
    bool splitArray(std::string_view text, size_t start, int line, std::string& error);
    void splitLines(std::string_view text, size_t start, int line);
    void addRecord(std::string_view text, int line);
    int column(const std::string& key);

    std::vector<std::string> header_;
    std::unordered_map<std::string, int> columnOf_; // header_'s index, for records with many keys
    std::vector<Record> records_;
    std::vector<Cell> cells_;
    std::string arena_;
    std::vector<std::string> errors_;
    size_t next_ = 0;
    bool isArray_ = false;
};

} // namespace moescope
