#pragma once
// The one expression language of MoEScope's filters and formulas (--where, --holdout, --train, --derive):
//   arithmetic  + - * / ^, unary minus, parentheses; ln(x) log(x) (natural), log10(x), exp(x), sqrt(x),
//               min(a, b, ...), max(a, b, ...)
//   comparison  == != < <= > >=, x in (a, b, ...), x not in (...)
//   logic       and, or, not
//   values      numbers as sweeps write them (1e20, 3.2B, 150M, 12k), strings in '…' or "…", and columns by
//               name: a bare name (letters, digits, _ and .), or `any text` in backquotes for names with
//               other characters (`eval/ppl//c4.jsonl`).
// Numbers compare with a relative tolerance of 1e-9 (a CSV's 0.98 and a computed 1 − 1/50 are one level);
// a missing value (an empty cell) makes a comparison false and arithmetic NaN.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// Parentheses, calls, `not`, unary minus and `^` nested deeper than this are refused: expressions come from
// files a user is handed (a workspace's recorded plan), and each level costs stack.
constexpr int kMaxExpressionNesting = 100;

struct ExprValue {
    bool isString = false;
    double number = 0;
    std::string text;
    static ExprValue of(double v) { return {false, v, {}}; }
    static ExprValue of(std::string s) { return {true, 0, std::move(s)}; }
};

class Expression {
public:
    // The value of a column in the row at hand; nullopt when there is no such column.
    using Lookup = std::function<std::optional<ExprValue>(const std::string& column)>;

    // False with `error` ("at character N: ...") when the text is not an expression.
    static bool parse(std::string_view text, Expression& out, std::string& error);

    // False with `error` naming the column or the mismatch (a number compared with a string ...).
    bool evaluate(const Lookup& lookup, ExprValue& out, std::string& error) const;
    // A filter's verdict: a comparison's truth, or a number other than 0.
    bool test(const Lookup& lookup, bool& out, std::string& error) const;
    // Every column the expression names, in order of appearance (for checking them up front).
    std::vector<std::string> columns() const;
    const std::string& text() const { return text_; }
    bool empty() const { return !root_; }

    struct Node;

private:
    std::shared_ptr<const Node> root_;
    std::string text_;
};

} // namespace moescope
