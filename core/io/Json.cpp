#include "core/io/Json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace moescope {

Json& Json::set(const std::string& key, Json v) {
    type_ = Type::Object;
    for (auto& m : members_)
        if (m.first == key) return m.second = std::move(v);
    members_.emplace_back(key, std::move(v));
    return members_.back().second;
}

const Json* Json::find(const std::string& key) const {
    for (const auto& m : members_)
        if (m.first == key) return &m.second;
    return nullptr;
}

const Json& Json::operator[](const std::string& key) const {
    static const Json null;
    const Json* j = find(key);
    return j ? *j : null;
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF);
// 0 when the bytes there are not one.
size_t utf8Length(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0; // overlong
        if (c == 0xED && b(1) > 0x9F) return 0; // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0; // overlong
        if (c == 0xF4 && b(1) > 0x8F) return 0; // beyond U+10FFFF
        return 4;
    }
    return 0;
}

} // namespace

// JSON text must be UTF-8 (RFC 8259): a byte that does not start a well-formed sequence — a stray byte of a
// Latin-1 file, say — is written as U+FFFD, so the output is always valid whatever the input held.
std::string jsonEscape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t n = utf8Length(s, i);
            if (n == 0) {
                out += "\xEF\xBF\xBD";
                ++i;
            } else {
                out.append(s.data() + i, n);
                i += n;
            }
            continue;
        }
        ++i;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    return out;
}

void Json::dumpTo(std::string& out) const {
    switch (type_) {
    case Type::Null:
        out += "null";
        break;
    case Type::Bool:
        out += bool_ ? "true" : "false";
        break;
    case Type::Number: {
        // JSON has no NaN/inf: an undefined number is written as null.
        if (!std::isfinite(number_)) {
            out += "null";
            break;
        }
        char buf[32];
        if (number_ == std::floor(number_) && std::fabs(number_) < 1e15)
            std::snprintf(buf, sizeof buf, "%.0f", number_);
        else
            std::snprintf(buf, sizeof buf, "%.17g", number_);
        out += buf;
        break;
    }
    case Type::String:
        out += '"' + jsonEscape(string_) + '"';
        break;
    case Type::Array:
        out += '[';
        for (size_t i = 0; i < items_.size(); ++i) {
            if (i) out += ',';
            items_[i].dumpTo(out);
        }
        out += ']';
        break;
    case Type::Object:
        out += '{';
        for (size_t i = 0; i < members_.size(); ++i) {
            if (i) out += ',';
            out += '"' + jsonEscape(members_[i].first) + "\":";
            members_[i].second.dumpTo(out);
        }
        out += '}';
        break;
    }
}

std::string Json::dump() const {
    std::string out;
    dumpTo(out);
    return out;
}

namespace {
class Parser {
public:
    explicit Parser(std::string_view t) : t_(t) {}

    bool document(Json& out, std::string& error) {
        if (!value(out, 0)) {
            error = "offset " + std::to_string(p_) + ": " + error_;
            return false;
        }
        ws();
        if (p_ != t_.size()) {
            error = "offset " + std::to_string(p_) + ": trailing characters";
            return false;
        }
        return true;
    }

private:
    void ws() {
        while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\n' || t_[p_] == '\r' || t_[p_] == '\t'))
            ++p_;
    }
    bool fail(const char* why) {
        error_ = why;
        return false;
    }
    bool literal(std::string_view word) {
        if (t_.substr(p_, word.size()) != word) return fail("unexpected token");
        p_ += word.size();
        return true;
    }
    static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    // The four hex digits of a \u escape at p_; false when they are not four hex digits.
    bool hex4(unsigned& cp) {
        if (p_ + 4 > t_.size()) return false;
        cp = 0;
        for (int k = 0; k < 4; ++k) {
            const int d = hexDigit(t_[p_ + k]);
            if (d < 0) return false;
            cp = cp * 16 + static_cast<unsigned>(d);
        }
        p_ += 4;
        return true;
    }
    static void appendUtf8(std::string& s, unsigned cp) {
        if (cp < 0x80) {
            s.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    // RFC 8259 §7: control characters must be escaped, and only the listed escapes exist.
    bool string(std::string& s) {
        ++p_; // opening quote
        while (p_ < t_.size() && t_[p_] != '"') {
            char c = t_[p_++];
            if (static_cast<unsigned char>(c) < 0x20)
                return --p_, fail("unescaped control character in string");
            if (c != '\\') {
                s.push_back(c);
                continue;
            }
            if (p_ >= t_.size()) return fail("unterminated string");
            c = t_[p_++];
            switch (c) {
            case '"':
            case '\\':
            case '/':
                s.push_back(c);
                break;
            case 'n':
                s.push_back('\n');
                break;
            case 't':
                s.push_back('\t');
                break;
            case 'r':
                s.push_back('\r');
                break;
            case 'b':
                s.push_back('\b');
                break;
            case 'f':
                s.push_back('\f');
                break;
            case 'u': {
                unsigned cp = 0;
                if (!hex4(cp)) return fail("bad \\u escape (four hex digits expected)");
                // A surrogate pair is one code point; a lone surrogate is no character: U+FFFD.
                if (cp >= 0xD800 && cp <= 0xDBFF && t_.substr(p_, 2) == "\\u") {
                    const size_t mark = p_;
                    p_ += 2;
                    unsigned low = 0;
                    if (hex4(low) && low >= 0xDC00 && low <= 0xDFFF)
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    else
                        p_ = mark;
                }
                appendUtf8(s, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);
                break;
            }
            default:
                return --p_, fail("unknown escape in string");
            }
        }
        if (p_ >= t_.size()) return fail("unterminated string");
        ++p_;
        return true;
    }
    // RFC 8259 §6 exactly: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, of any length; no NaN, Infinity,
    // hex, leading '+', bare '.5' or leading zeros. A number beyond a double's range is refused, not
    // made infinite.
    bool number(Json& out) {
        const size_t start = p_;
        auto digits = [&] {
            const size_t from = p_;
            while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9')
                ++p_;
            return p_ - from;
        };
        if (p_ < t_.size() && t_[p_] == '-') ++p_;
        if (p_ >= t_.size() || t_[p_] < '0' || t_[p_] > '9') return fail("unexpected character");
        if (t_[p_] == '0') {
            ++p_;
            if (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') return fail("leading zero in a number");
        } else {
            digits();
        }
        if (p_ < t_.size() && t_[p_] == '.') {
            ++p_;
            if (digits() == 0) return fail("a number's fraction needs digits");
        }
        if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
            ++p_;
            if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
            if (digits() == 0) return fail("a number's exponent needs digits");
        }
        const std::string text(t_.substr(start, p_ - start));
        const double d = std::strtod(text.c_str(), nullptr);
        if (!std::isfinite(d)) return p_ = start, fail("number out of range");
        out = Json(d);
        return true;
    }
    bool value(Json& out, int depth) {
        if (depth > 200) return fail("nesting too deep");
        ws();
        if (p_ >= t_.size()) return fail("unexpected end");
        const char c = t_[p_];
        if (c == '{') {
            out = Json::object();
            ++p_;
            ws();
            if (p_ < t_.size() && t_[p_] == '}') return ++p_, true;
            for (;;) {
                ws();
                if (p_ >= t_.size() || t_[p_] != '"') return fail("expected key");
                std::string key;
                if (!string(key)) return false;
                ws();
                if (p_ >= t_.size() || t_[p_] != ':') return fail("expected ':'");
                ++p_;
                Json v;
                if (!value(v, depth + 1)) return false;
                out.set(key, std::move(v));
                ws();
                if (p_ < t_.size() && t_[p_] == ',') {
                    ++p_;
                    continue;
                }
                if (p_ < t_.size() && t_[p_] == '}') return ++p_, true;
                return fail("expected ',' or '}'");
            }
        }
        if (c == '[') {
            out = Json::array();
            ++p_;
            ws();
            if (p_ < t_.size() && t_[p_] == ']') return ++p_, true;
            for (;;) {
                Json v;
                if (!value(v, depth + 1)) return false;
                out.push(std::move(v));
                ws();
                if (p_ < t_.size() && t_[p_] == ',') {
                    ++p_;
                    continue;
                }
                if (p_ < t_.size() && t_[p_] == ']') return ++p_, true;
                return fail("expected ',' or ']'");
            }
        }
        if (c == '"') {
            std::string s;
            if (!string(s)) return false;
            out = Json(std::move(s));
            return true;
        }
        if (c == 't') return literal("true") && (out = Json(true), true);
        if (c == 'f') return literal("false") && (out = Json(false), true);
        if (c == 'n') return literal("null") && (out = Json(), true);
        return number(out);
    }

    std::string_view t_;
    size_t p_ = 0;
    std::string error_;
};
} // namespace

bool Json::parse(std::string_view text, Json& out, std::string& error) {
    return Parser(text).document(out, error);
}

} // namespace moescope
