#include "core/model/Expression.h"

#include "core/model/NumberParser.h"

#include <cctype>
#include <cmath>
#include <initializer_list>

namespace moescope {

struct Expression::Node {
    // Chain: operands joined left to right by operators of one precedence level (a + b - c, a and b and
    // c), held flat so that a chain of any length is evaluated without recursion.
    enum class Kind { Number, String, Column, Unary, Binary, Chain, Call, In } kind;
    std::string name; // column, function or operator
    double number = 0;
    std::vector<std::shared_ptr<const Node>> args;
    std::vector<std::string> ops; // Chain: ops[i] joins args[i] and args[i + 1]
    bool negated = false;         // `not in`
};

namespace {

using NodePtr = std::shared_ptr<const Expression::Node>;
using Kind = Expression::Node::Kind;

NodePtr make(Kind kind, std::string name, std::vector<NodePtr> args = {}, double number = 0) {
    auto n = std::make_shared<Expression::Node>();
    n->kind = kind;
    n->name = std::move(name);
    n->args = std::move(args);
    n->number = number;
    return n;
}

bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// Recursive descent over the grammar in Expression.h, lowest precedence first. Chains of one level are
// read in a loop; only nesting (parentheses, calls, `not`, unary minus, `^`) recurses, and it is bounded so
// that a hostile filter in a workspace or on the command line cannot overflow the stack.
class Parser {
public:
    explicit Parser(std::string_view t) : t_(t) {}

    NodePtr parseAll(std::string& error) {
        NodePtr n = orExpr();
        if (n && (skip(), p_ < t_.size())) n = fail("unexpected '" + std::string(1, t_[p_]) + "'");
        if (!n) error = "at character " + std::to_string(errorAt_ + 1) + ": " + error_;
        return n;
    }

private:
    NodePtr fail(const std::string& why) {
        if (error_.empty()) error_ = why, errorAt_ = p_;
        return nullptr;
    }
    void skip() {
        while (p_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[p_])))
            ++p_;
    }
    bool symbol(std::string_view s) {
        skip();
        if (t_.substr(p_, s.size()) != s) return false;
        p_ += s.size();
        return true;
    }
    // A keyword only when a whole word: `order` is a column, not `or` followed by `der`.
    bool keyword(std::string_view k) {
        skip();
        if (t_.substr(p_, k.size()) != k || (p_ + k.size() < t_.size() && isNameChar(t_[p_ + k.size()])))
            return false;
        p_ += k.size();
        return true;
    }

    // Entering one more level of nesting; false (with the error set) past the limit.
    bool deeper() {
        if (++depth_ <= kMaxExpressionNesting) return true;
        fail("expression nested too deeply (limit " + std::to_string(kMaxExpressionNesting) + ")");
        return false;
    }
    template <typename F> NodePtr nested(F parse) {
        NodePtr n = deeper() ? parse() : nullptr;
        --depth_;
        return n;
    }

    // One precedence level: operands from `next`, joined left to right by any of `ops` (words or symbols).
    NodePtr level(std::initializer_list<const char*> ops, bool words, NodePtr (Parser::*next)()) {
        NodePtr first = (this->*next)();
        if (!first) return nullptr;
        auto chain = std::make_shared<Expression::Node>();
        chain->kind = Kind::Chain;
        chain->args.push_back(first);
        for (;;) {
            const char* op = nullptr;
            for (const char* o : ops)
                if (!op && (words ? keyword(o) : symbol(o))) op = o;
            if (!op) break;
            NodePtr right = (this->*next)();
            if (!right) return nullptr;
            chain->ops.emplace_back(op);
            chain->args.push_back(right);
        }
        if (chain->args.size() == 1) return first;
        return chain;
    }
    NodePtr orExpr() { return level({"or"}, true, &Parser::andExpr); }
    NodePtr andExpr() { return level({"and"}, true, &Parser::notExpr); }
    NodePtr notExpr() {
        if (keyword("not")) {
            NodePtr inner = nested([this] { return notExpr(); });
            return inner ? make(Kind::Unary, "not", {inner}) : nullptr;
        }
        return comparison();
    }
    NodePtr comparison() {
        NodePtr left = sum();
        if (!left) return nullptr;
        const size_t mark = p_;
        bool negated = false;
        if (keyword("not")) {
            if (!keyword("in")) {
                p_ = mark;
                return left;
            }
            negated = true;
        }
        if (negated || keyword("in")) {
            if (!symbol("(")) return fail("expected '(' after 'in'");
            std::vector<NodePtr> items{left};
            do {
                NodePtr item = sum();
                if (!item) return nullptr;
                items.push_back(item);
            } while (symbol(","));
            if (!symbol(")")) return fail("expected ')' to close the 'in' list");
            auto n = std::make_shared<Expression::Node>();
            n->kind = Kind::In;
            n->args = std::move(items);
            n->negated = negated;
            return n;
        }
        for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
            if (symbol(op)) {
                NodePtr right = sum();
                return right ? make(Kind::Binary, op, {left, right}) : nullptr;
            }
        }
        if (symbol("=")) {
            --p_; // point at the '=' itself
            return fail("'=' is not a comparison: write '=='");
        }
        return left;
    }
    NodePtr sum() { return level({"+", "-"}, false, &Parser::product); }
    NodePtr product() { return level({"*", "/"}, false, &Parser::unary); }
    NodePtr unary() {
        if (symbol("-")) {
            NodePtr inner = nested([this] { return unary(); });
            return inner ? make(Kind::Unary, "-", {inner}) : nullptr;
        }
        NodePtr base = atom();
        if (base && symbol("^")) {
            NodePtr exponent = nested([this] { return unary(); }); // right-associative: 2^3^2 = 2^9
            return exponent ? make(Kind::Binary, "^", {base, exponent}) : nullptr;
        }
        return base;
    }
    NodePtr atom() {
        skip();
        if (p_ >= t_.size()) return fail("the expression ends too early");
        const char c = t_[p_];
        if (c == '(') {
            ++p_;
            NodePtr inner = nested([this] { return orExpr(); });
            if (inner && !symbol(")")) return fail("expected ')'");
            return inner;
        }
        if (c == '\'' || c == '"' || c == '`') {
            const size_t end = t_.find(c, p_ + 1);
            if (end == std::string_view::npos)
                return fail(std::string("unterminated ") + (c == '`' ? "column name" : "string"));
            std::string text(t_.substr(p_ + 1, end - p_ - 1));
            p_ = end + 1;
            return make(c == '`' ? Kind::Column : Kind::String, std::move(text));
        }
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
            size_t end = p_;
            while (end < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[end])) || t_[end] == '.'))
                ++end;
            if (end < t_.size() && (t_[end] == 'e' || t_[end] == 'E')) {
                size_t e = end + 1;
                if (e < t_.size() && (t_[e] == '+' || t_[e] == '-')) ++e;
                if (e < t_.size() && std::isdigit(static_cast<unsigned char>(t_[e]))) {
                    end = e;
                    while (end < t_.size() && std::isdigit(static_cast<unsigned char>(t_[end])))
                        ++end;
                }
            }
            if (end < t_.size() && std::string_view("kKmMbBGtT").find(t_[end]) != std::string_view::npos)
                ++end;
            if (end < t_.size() && isNameChar(t_[end]))
                return fail("'" + std::string(t_.substr(p_, end - p_ + 1)) +
                            "…' is neither a number nor a name");
            double v = 0;
            std::string reason;
            if (!parseNumber(t_.substr(p_, end - p_), v, &reason)) return fail(reason);
            p_ = end;
            return make(Kind::Number, "", {}, v);
        }
        if (isNameChar(c)) {
            size_t end = p_;
            while (end < t_.size() && isNameChar(t_[end]))
                ++end;
            std::string name(t_.substr(p_, end - p_));
            p_ = end;
            if (name == "and" || name == "or" || name == "not" || name == "in")
                return fail("'" + name + "' needs something before it");
            if (symbol("(")) return call(std::move(name));
            return make(Kind::Column, std::move(name));
        }
        return fail("unexpected '" + std::string(1, c) + "'");
    }
    NodePtr call(std::string name) {
        static const std::vector<std::string> known = {"ln", "log", "log10", "exp", "sqrt", "min", "max"};
        bool ok = false;
        for (const auto& k : known)
            ok = ok || k == name;
        if (!ok) return fail("unknown function '" + name + "' (ln, log, log10, exp, sqrt, min, max)");
        std::vector<NodePtr> args;
        if (!symbol(")")) {
            do {
                NodePtr a = nested([this] { return orExpr(); });
                if (!a) return nullptr;
                args.push_back(a);
            } while (symbol(","));
            if (!symbol(")")) return fail("expected ')' after the arguments of " + name);
        }
        const bool variadic = name == "min" || name == "max";
        if (variadic ? args.empty() : args.size() != 1)
            return fail(name + " takes " + (variadic ? "one or more arguments" : "one argument"));
        return make(Kind::Call, std::move(name), std::move(args));
    }

    std::string_view t_;
    size_t p_ = 0;
    std::string error_;
    size_t errorAt_ = 0;
    int depth_ = 0;
};

bool close(double a, double b) {
    return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

bool eval(const Expression::Node& n, const Expression::Lookup& lookup, ExprValue& out, std::string& error);

bool number(const Expression::Node& n, const Expression::Lookup& lookup, double& out, std::string& error,
            const char* context) {
    ExprValue v;
    if (!eval(n, lookup, v, error)) return false;
    if (!v.isString) return out = v.number, true;
    // Columns of an import are text until read: a cell that holds a number ("0.001", "12m") is one.
    if (v.text.empty()) return out = std::nan(""), true;
    if (!parseNumber(v.text, out))
        return error = std::string(context) + " needs a number, got '" + v.text + "'", false;
    return true;
}

// A text cell compared with a number is read as a number (an empty one is missing); only text that is no
// number at all is a mismatch.
bool asNumbers(ExprValue& a, ExprValue& b, std::string& error) {
    for (ExprValue* v : {&a, &b}) {
        if (!v->isString) continue;
        double x = std::nan("");
        if (!v->text.empty() && !parseNumber(v->text, x))
            return error = "compares a string with a number ('" + v->text + "')", false;
        *v = ExprValue::of(x);
    }
    return true;
}

bool compare(const std::string& op, ExprValue a, ExprValue b, bool& result, std::string& error) {
    if (a.isString != b.isString && !asNumbers(a, b, error)) return false;
    if (a.isString) {
        const int c = a.text.compare(b.text);
        result = op == "=="   ? c == 0
                 : op == "!=" ? c != 0
                 : op == "<"  ? c < 0
                 : op == "<=" ? c <= 0
                 : op == ">"  ? c > 0
                              : c >= 0;
        return true;
    }
    const double x = a.number, y = b.number;
    if (std::isnan(x) || std::isnan(y)) return result = false, true; // a missing value matches nothing
    const bool eq = close(x, y);
    result = op == "=="   ? eq
             : op == "!=" ? !eq
             : op == "<"  ? (x < y && !eq)
             : op == "<=" ? (x < y || eq)
             : op == ">"  ? (x > y && !eq)
                          : (x > y || eq);
    return true;
}

bool truth(const ExprValue& v) {
    return v.isString ? !v.text.empty() : (v.number != 0 && !std::isnan(v.number));
}

bool eval(const Expression::Node& n, const Expression::Lookup& lookup, ExprValue& out, std::string& error) {
    switch (n.kind) {
    case Kind::Number:
        out = ExprValue::of(n.number);
        return true;
    case Kind::String:
        out = ExprValue::of(n.name);
        return true;
    case Kind::Column: {
        const auto v = lookup(n.name);
        if (!v) return error = "unknown column '" + n.name + "'", false;
        out = *v;
        return true;
    }
    case Kind::Unary: {
        if (n.name == "not") {
            ExprValue v;
            if (!eval(*n.args[0], lookup, v, error)) return false;
            out = ExprValue::of(truth(v) ? 0.0 : 1.0);
            return true;
        }
        double v = 0;
        if (!number(*n.args[0], lookup, v, error, "'-'")) return false;
        out = ExprValue::of(-v);
        return true;
    }
    case Kind::Call: {
        std::vector<double> xs;
        for (const auto& a : n.args) {
            double v = 0;
            if (!number(*a, lookup, v, error, n.name.c_str())) return false;
            xs.push_back(v);
        }
        double r = xs[0];
        if (n.name == "ln" || n.name == "log")
            r = std::log(r);
        else if (n.name == "log10")
            r = std::log10(r);
        else if (n.name == "exp")
            r = std::exp(r);
        else if (n.name == "sqrt")
            r = std::sqrt(r);
        else
            for (double x : xs)
                r = n.name == "min" ? std::fmin(r, x) : std::fmax(r, x);
        out = ExprValue::of(r);
        return true;
    }
    case Kind::In: {
        ExprValue x;
        if (!eval(*n.args[0], lookup, x, error)) return false;
        bool found = false;
        for (size_t i = 1; i < n.args.size() && !found; ++i) {
            ExprValue item;
            bool eq = false;
            if (!eval(*n.args[i], lookup, item, error) || !compare("==", x, item, eq, error)) return false;
            found = eq;
        }
        out = ExprValue::of(found != n.negated ? 1.0 : 0.0);
        return true;
    }
    case Kind::Chain: {
        if (n.ops[0] == "and" || n.ops[0] == "or") { // one level holds one of them: short-circuit
            const bool isOr = n.ops[0] == "or";
            for (const auto& a : n.args) {
                ExprValue v;
                if (!eval(*a, lookup, v, error)) return false;
                if (truth(v) == isOr) return out = ExprValue::of(isOr ? 1.0 : 0.0), true;
            }
            out = ExprValue::of(isOr ? 0.0 : 1.0);
            return true;
        }
        double acc = 0;
        if (!number(*n.args[0], lookup, acc, error, ("'" + n.ops[0] + "'").c_str())) return false;
        for (size_t i = 0; i < n.ops.size(); ++i) {
            const std::string& op = n.ops[i];
            double b = 0;
            if (!number(*n.args[i + 1], lookup, b, error, ("'" + op + "'").c_str())) return false;
            acc = op == "+" ? acc + b : op == "-" ? acc - b : op == "*" ? acc * b : acc / b;
        }
        out = ExprValue::of(acc);
        return true;
    }
    case Kind::Binary: {
        const std::string& op = n.name;
        if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
            ExprValue a, b;
            bool r = false;
            if (!eval(*n.args[0], lookup, a, error) || !eval(*n.args[1], lookup, b, error) ||
                !compare(op, a, b, r, error))
                return false;
            out = ExprValue::of(r ? 1.0 : 0.0);
            return true;
        }
        double a = 0, b = 0;
        const std::string context = "'" + op + "'";
        if (!number(*n.args[0], lookup, a, error, context.c_str()) ||
            !number(*n.args[1], lookup, b, error, context.c_str()))
            return false;
        out = ExprValue::of(std::pow(a, b)); // the only arithmetic binary left: chains hold + - * /
        return true;
    }
    }
    return error = "internal: unknown node", false;
}

void collect(const Expression::Node& n, std::vector<std::string>& out) {
    if (n.kind == Kind::Column) {
        bool seen = false;
        for (const auto& c : out)
            seen = seen || c == n.name;
        if (!seen) out.push_back(n.name);
    }
    for (const auto& a : n.args)
        collect(*a, out);
}

} // namespace

bool Expression::parse(std::string_view text, Expression& out, std::string& error) {
    Parser parser(text);
    NodePtr root = parser.parseAll(error);
    if (!root) return false;
    out.root_ = std::move(root);
    out.text_ = std::string(text);
    return true;
}

bool Expression::evaluate(const Lookup& lookup, ExprValue& out, std::string& error) const {
    if (!root_) return error = "empty expression", false;
    return eval(*root_, lookup, out, error);
}

bool Expression::test(const Lookup& lookup, bool& out, std::string& error) const {
    ExprValue v;
    if (!evaluate(lookup, v, error)) return false;
    out = truth(v);
    return true;
}

std::vector<std::string> Expression::columns() const {
    std::vector<std::string> out;
    if (root_) collect(*root_, out);
    return out;
}

} // namespace moescope
