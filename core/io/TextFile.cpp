#include "core/io/TextFile.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace moescope {

bool readWholeFile(const std::string& path, std::string& text, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open '" + path + "': " + std::strerror(errno);
        return false;
    }
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0);
    if (size < 0) {
        error = "cannot read '" + path + "' (not a regular file)";
        return false;
    }
    text.assign(static_cast<size_t>(size), '\0');
    if (size > 0 && !in.read(text.data(), size)) {
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

} // namespace moescope
