#pragma once
// Text most runs leave empty (why a run is excluded, the curve it belongs to, the group it averages): one
// pointer while empty, so a million-run table does not carry three empty 32-byte strings per run.
#include <memory>
#include <string>

namespace moescope {

class SparseText {
public:
    SparseText() = default;
    SparseText(std::string text) { *this = std::move(text); }
    SparseText(const char* text) : SparseText(std::string(text)) {}
    SparseText(const SparseText& other) : SparseText(other.str()) {}
    SparseText(SparseText&&) noexcept = default;
    SparseText& operator=(const SparseText& other) { return *this = other.str(); }
    SparseText& operator=(SparseText&&) noexcept = default;
    SparseText& operator=(std::string text) {
        if (text.empty())
            text_.reset();
        else
            text_ = std::make_unique<std::string>(std::move(text));
        return *this;
    }

    SparseText& operator=(const char* text) { return *this = std::string(text); }

    const std::string& str() const {
        static const std::string none;
        return text_ ? *text_ : none;
    }
    operator const std::string&() const { return str(); }
    bool empty() const { return !text_; }
    void clear() { text_.reset(); }

    friend bool operator==(const SparseText& a, const SparseText& b) { return a.str() == b.str(); }
    friend bool operator!=(const SparseText& a, const SparseText& b) { return !(a == b); }

private:
    std::unique_ptr<std::string> text_;
};

} // namespace moescope
