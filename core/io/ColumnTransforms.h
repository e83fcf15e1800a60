#pragma once
// Columns a sweep file does not hold but its rows imply, built before the columns are mapped to fields:
//   --set NAME=VALUE        a constant (vocab=50304)
//   --lookup COLUMN:FILE    a table keyed by COLUMN's text (a size label "12m" -> d_model, n_layers, ...):
//                           FILE is a CSV whose key column is named COLUMN (or is its first column); each of
//                           its other columns becomes a column of the sweep; one the sweep holds already
//                           is refused unless lookupOverwrite (--lookup-overwrite): a measured loss is
//                           never replaced by accident
//   --derive NAME=EXPR      a formula over the row's columns (loss=ln(`eval/ppl`), tokens=steps*batch); a
//                           result that is not finite (0/0, ln of 0) is that row's error, unless a column
//                           it reads is empty there (the value is then missing)
//   --where EXPR            keeps only the rows it holds for (the others are counted, not imported)
// Steps run in that order, each in the order given, so a formula may use a constant, a looked-up column or
// an earlier formula. A new column named like an existing one replaces it. NAME may be a field (loss,
// params ...): the new column then feeds that field. Cells are text to the formulas: one holding a number
// ("0.001", "12m") is a number. --where may also name a field by its canonical name.
#include "core/io/ColumnMapping.h"
#include "core/io/RecordSource.h"
#include "core/model/Expression.h"

#include <memory>
#include <string>
#include <vector>

namespace moescope {

struct ColumnTransforms {
    struct Constant {
        std::string name, value;
    };
    struct Lookup {
        std::string column, file;
    };
    struct Formula {
        std::string name;
        Expression expression;
    };
    std::vector<Constant> constants;
    std::vector<Lookup> lookups;
    std::vector<Formula> formulas;
    Expression where;
    bool lookupOverwrite = false;

    bool empty() const { return constants.empty() && lookups.empty() && formulas.empty() && where.empty(); }
    // Fields the new columns feed (their names are canonical field names): mapped to them explicitly.
    std::vector<MappingOverride> fieldOverrides() const;

    // Each parses its option's text; false with `error` naming the option.
    bool addConstant(const std::string& text, std::string& error);
    bool addLookup(const std::string& text, std::string& error);
    bool addFormula(const std::string& text, std::string& error);
    bool setWhere(const std::string& text, std::string& error);
};

// A RecordSource whose rows carry the transforms' columns, and only the rows --where keeps.
class TransformedRecords : public RecordSource {
public:
    TransformedRecords(RecordSource& inner, const ColumnTransforms& transforms);
    ~TransformedRecords() override;

    // Loads the lookup tables and checks every column the steps name; false with `error` naming the option
    // and the columns there are.
    bool prepare(std::string& error);
    // Lets --where name fields by their canonical names (after the mapping is built on header()).
    bool bindFields(const ColumnMapping& mapping, std::string& error);

    const std::vector<std::string>& header() const override { return header_; }
    int headerLine() const override { return inner_.headerLine(); }
    size_t estimatedRows() const override { return inner_.estimatedRows(); }
    Status next(std::vector<std::string_view>& fields, int& line, std::string& error) override;

    // Rows --where left out so far.
    int rowsFiltered() const { return filtered_; }
    // The column a BadRow is about (empty when none).
    const std::string& badColumn() const { return badColumn_; }

private:
    struct Impl;
    RecordSource& inner_;
    const ColumnTransforms& transforms_;
    std::vector<std::string> header_;
    std::unique_ptr<Impl> impl_;
    int filtered_ = 0;
    std::string badColumn_;
};

} // namespace moescope
