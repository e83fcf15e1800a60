#pragma once
// The CLI's standard error, with control bytes from input escaped on the way out: messages quote file
// contents, column names and run names, and a hostile file must not drive the user's terminal
// (\x1b[31m, a carriage return that overwrites the line). Newlines and tabs pass: the messages' own.
#include "core/io/PrintableText.h"

#include <streambuf>

namespace moescope::cli {

class EscapingStreambuf : public std::streambuf {
public:
    explicit EscapingStreambuf(std::streambuf* sink) : sink_(sink) {}

protected:
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        const std::string out = printable(std::string_view(&ch, 1), true);
        return sink_->sputn(out.data(), static_cast<std::streamsize>(out.size())) ==
                       static_cast<std::streamsize>(out.size())
                   ? c
                   : traits_type::eof();
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        const std::string out = printable(std::string_view(s, static_cast<size_t>(n)), true);
        return sink_->sputn(out.data(), static_cast<std::streamsize>(out.size())) ==
                       static_cast<std::streamsize>(out.size())
                   ? n
                   : 0;
    }
    int sync() override { return sink_->pubsync(); }

private:
    std::streambuf* sink_;
};

} // namespace moescope::cli
