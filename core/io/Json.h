#pragma once
// A small JSON value: enough for the CLI's --json output, the trainer's events and result files, and the
// workspace's settings columns. Objects keep insertion order so output reads in the order of ARCHITECTURE.md
// §5.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moescope {

class Json {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : type_(Type::Bool), bool_(b) {}
    Json(double d) : type_(Type::Number), number_(d) {}
    Json(int i) : type_(Type::Number), number_(i) {}
    Json(long long i) : type_(Type::Number), number_(static_cast<double>(i)) {}
    Json(const char* s) : type_(Type::String), string_(s) {}
    Json(std::string s) : type_(Type::String), string_(std::move(s)) {}

    static Json array() {
        Json j;
        j.type_ = Type::Array;
        return j;
    }
    static Json object() {
        Json j;
        j.type_ = Type::Object;
        return j;
    }

    Type type() const { return type_; }
    bool isNull() const { return type_ == Type::Null; }
    bool isBool() const { return type_ == Type::Bool; }
    bool isNumber() const { return type_ == Type::Number; }
    bool isString() const { return type_ == Type::String; }
    bool isArray() const { return type_ == Type::Array; }
    bool isObject() const { return type_ == Type::Object; }

    double number(double fallback = 0) const { return type_ == Type::Number ? number_ : fallback; }
    bool boolean(bool fallback = false) const { return type_ == Type::Bool ? bool_ : fallback; }
    const std::string& string() const { return string_; }

    // Arrays
    Json& push(Json v) {
        items_.push_back(std::move(v));
        return items_.back();
    }
    size_t size() const { return type_ == Type::Object ? members_.size() : items_.size(); }
    const Json& at(size_t i) const { return items_.at(i); }
    const std::vector<Json>& items() const { return items_; }

    // Objects: set replaces an existing key, keeping its place.
    Json& set(const std::string& key, Json v);
    const Json* find(const std::string& key) const;
    const Json& operator[](const std::string& key) const;
    const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

    std::string dump() const;
    // Parses a whole document; false with `error` ("offset N: reason") when malformed.
    static bool parse(std::string_view text, Json& out, std::string& error);

private:
    void dumpTo(std::string& out) const;

    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<Json> items_;
    std::vector<std::pair<std::string, Json>> members_;
};

std::string jsonEscape(std::string_view s);

} // namespace moescope
