#include "core/io/PrintableText.h"

#include <cstdio>

namespace moescope {

std::string printable(std::string_view text, bool keepLines) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 0x20 && c != 0x7f) || (keepLines && (c == '\n' || c == '\t'))) {
            out.push_back(ch);
            continue;
        }
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
    }
    return out;
}

} // namespace moescope
