#include "core/io/PathNames.h"

#include "core/io/PrintableText.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace moescope {

bool checkPathName(const std::string& name, const std::string& what, std::string& error) {
    auto refuse = [&](const std::string& why) {
        error = what + " '" + printable(name) + "': " + why;
        return false;
    };
    if (name.empty()) return refuse("must not be empty");
    if (name.size() > kMaxPathNameLength)
        return refuse("longer than " + std::to_string(kMaxPathNameLength) + " characters");
    for (const char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) return refuse("holds a control character");
        if (ch == '/' || ch == '\\') return refuse("holds a path separator ('" + std::string(1, ch) + "')");
    }
    if (name == "." || name == "..") return refuse("names a folder above or at its place");
    // '-': it would read as an option where the name is passed on; '.': hidden, and '..' prefixes.
    if (name[0] == '-' || name[0] == '.')
        return refuse("must not start with '" + std::string(1, name[0]) + "'");
    static const char* reserved[] = {"plan.json",     "runs.csv",     "result.json",      "events.jsonl",
                                     "checkpoint.pt", "config.json",  "tokens.bin",       "sp.model",
                                     "trainer.lock",  "runs.csv.tmp", "checkpoint.pt.tmp"};
    for (const char* r : reserved)
        if (name == r) return refuse("is a file MoEScope writes itself");
    return true;
}

bool liesUnder(const std::string& path, const std::string& root, std::string& error) {
    std::error_code ec;
    const fs::path r = fs::weakly_canonical(fs::absolute(root, ec), ec);
    const fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec) return error = path + ": cannot resolve the path: " + ec.message(), false;
    const fs::path rel = p.lexically_relative(r);
    if (rel.empty() || *rel.begin() == "..") {
        error = printable(path) + ": lies outside " + printable(root);
        return false;
    }
    return true;
}

} // namespace moescope
