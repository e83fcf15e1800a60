#include "core/io/TextFile.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace moescope {

bool readWholeFile(const std::string& path, std::string& text, std::string& error) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        error = "'" + path + "' is a folder, not a file";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open '" + path + "': " + std::strerror(errno);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        // A pipe or device has no size to read up to: read in pieces, up to a limit, so /dev/zero ends.
        text.clear();
        char buf[1 << 16];
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            text.append(buf, static_cast<size_t>(in.gcount()));
            if (text.size() > kMaxStreamBytes) {
                error = "'" + path + "' is not a regular file and goes on past " +
                        std::to_string(kMaxStreamBytes >> 20) + " MiB; refused";
                return false;
            }
        }
        return true;
    }
    text.assign(static_cast<size_t>(st.st_size), '\0');
    if (st.st_size > 0 && !in.read(text.data(), st.st_size)) {
        error = "cannot read '" + path + "'";
        return false;
    }
    return true;
}

bool checkUtf8Text(std::string_view text, size_t& start, std::string& error) {
    // A NUL byte never appears in text; finding one early means a binary file.
    const size_t probe = std::min<size_t>(text.size(), 1 << 16);
    if (std::memchr(text.data(), '\0', probe) != nullptr) {
        error = "not a text file (binary content)";
        return false;
    }
    if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF") {
        error = "not a UTF-8 text file (UTF-16 byte order mark); save it as UTF-8";
        return false;
    }
    start = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    return true;
}

TextBuffer::TextBuffer(std::string text)
    : owned_(std::move(text)), data_(owned_.data()), size_(owned_.size()) {}

TextBuffer::TextBuffer(TextBuffer&& other) noexcept {
    *this = std::move(other);
}

TextBuffer& TextBuffer::operator=(TextBuffer&& other) noexcept {
    if (this == &other) return *this;
    unmap();
    const bool mapped = other.map_ != nullptr;
    owned_ = std::move(other.owned_);
    map_ = std::exchange(other.map_, nullptr);
    size_ = std::exchange(other.size_, 0);
    released_ = std::exchange(other.released_, 0);
    // A moved std::string may move its small buffer: point into our copy, not the old one.
    data_ = mapped ? static_cast<const char*>(map_) : owned_.data();
    other.data_ = nullptr;
    return *this;
}

TextBuffer::~TextBuffer() {
    unmap();
}

void TextBuffer::unmap() {
    if (map_) munmap(map_, size_);
    map_ = nullptr;
}

bool TextBuffer::load(const std::string& path, std::string& error) {
    unmap();
    owned_.clear();
    data_ = nullptr, size_ = 0, released_ = 0;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void* m =
            mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            ::close(fd);
            madvise(m, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
            map_ = m;
            data_ = static_cast<const char*>(m);
            size_ = static_cast<size_t>(st.st_size);
            return true;
        }
    }
    if (fd >= 0) ::close(fd);
    if (!readWholeFile(path, owned_, error)) return false;
    data_ = owned_.data();
    size_ = owned_.size();
    return true;
}

void TextBuffer::releaseBefore(size_t offset) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t end = std::min(offset, size_) / page * page;
    if (end <= released_) return;
    madvise(static_cast<char*>(map_) + released_, end - released_, MADV_DONTNEED);
    released_ = end;
}

} // namespace moescope
