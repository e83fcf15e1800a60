#pragma once
// Reading a whole data file as UTF-8 text, with the checks every reader makes before it parses.
#include <cstddef>
#include <string>
#include <string_view>

namespace moescope {

// What a pipe or device (anything but a regular file) may give before it is refused.
constexpr size_t kMaxStreamBytes = size_t(1) << 30;

// False with `error` (naming the path and the system's reason) when the file cannot be read: a folder, a
// pipe or device past kMaxStreamBytes, an unreadable file.
bool readWholeFile(const std::string& path, std::string& text, std::string& error);
// False with `error` when the content is binary (xlsx, parquet, gzip) or UTF-16; otherwise the offset
// past a UTF-8 byte order mark (0 without one).
bool checkUtf8Text(std::string_view text, size_t& start, std::string& error);

// The bytes a reader parses in place: a regular file mapped read-only (no copy into anonymous memory,
// whose page faults cost more than the parse of a million-row sweep), or text held in memory (pasted
// data, tests, files that cannot be mapped such as pipes).
class TextBuffer {
public:
    TextBuffer() = default;
    explicit TextBuffer(std::string text);
    TextBuffer(TextBuffer&& other) noexcept;
    TextBuffer& operator=(TextBuffer&& other) noexcept;
    TextBuffer(const TextBuffer&) = delete;
    TextBuffer& operator=(const TextBuffer&) = delete;
    ~TextBuffer();

    // Maps `path`, or reads it where it cannot be mapped; false with `error` as readWholeFile says it.
    bool load(const std::string& path, std::string& error);

    std::string_view view() const { return {data_, size_}; }
    // The reader is past `offset` for good: a mapped file's pages before it leave memory, a few MiB at a
    // time, so what an import builds replaces the file in memory instead of adding to it. Cheap enough to
    // call per record.
    void release(size_t offset) {
        if (map_ && offset >= released_ + kReleaseStep) releaseBefore(offset);
    }

private:
    static constexpr size_t kReleaseStep = size_t(8) << 20;
    void releaseBefore(size_t offset);
    void unmap();

    std::string owned_;
    const char* data_ = nullptr;
    size_t size_ = 0;
    void* map_ = nullptr;
    size_t released_ = 0;
};

} // namespace moescope
