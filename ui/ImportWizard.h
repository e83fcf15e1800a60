#pragma once
// Bringing a sweep file (CSV, JSON Lines, JSON) in by hand: the detected format and header, the first 100
// rows with every bad cell highlighted, one combo per field pre-filled by the automatic mapping (or the
// mapping last used for a file with the same header), unit multipliers, new columns (constants, lookup
// tables, formulas — the CLI's --set, --lookup, --derive), one run per group (--best-per / --mean-per), a
// preview of the runs with their derived fields, the invalid rows grouped by problem, and "skip invalid
// rows" only as an explicit choice. Every required field that is missing is named at once.
#include "core/io/RunImporter.h"
#include "core/store/Workspace.h"

#include <QDialog>

#include <map>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTableWidget;

namespace moescope {

class ImportWizard : public QDialog {
    Q_OBJECT
public:
    // Reads `path`; isValid() is false (and error() says why) when it cannot be read as text at all.
    explicit ImportWizard(const QString& path, QWidget* parent = nullptr);

    bool isValid() const { return valid_; }
    QString error() const { return error_; }
    QComboBox* fieldCombo(Field f) const { return fields_.at(f); }
    QComboBox* unitCombo(Field f) const { return units_.count(f) ? units_.at(f) : nullptr; }
    QCheckBox* skipInvalid() const { return skip_; }
    QTableWidget* preview() const { return preview_; }
    QTableWidget* derivedPreview() const { return derived_; }
    QListWidget* invalidRows() const { return invalid_; }
    QLabel* summary() const { return summary_; }
    // NAME=EXPR per line (--derive), NAME=VALUE per line (--set), COLUMN:FILE per line (--lookup).
    QPlainTextEdit* formulas() const { return formulas_; }
    QPlainTextEdit* constants() const { return constants_; }
    QPlainTextEdit* lookups() const { return lookups_; }
    // none / best / mean, and the group's columns.
    QComboBox* perGroup() const { return perGroup_; }
    QLineEdit* groupColumns() const { return groupColumns_; }
    bool canAccept() const;
    // The dialog's size on a screen whose free area is `available`: never past its edges.
    static QSize sizeFor(const QRect& available);

    // The import as the dialog now defines it; the record names file, hash and mapping.
    const ImportResult& result() const { return result_; }
    ImportRecord record() const;
    // `optionError` gets what is wrong with the new-columns section (its options are then incomplete).
    ImportOptions options(QString* optionError = nullptr) const;

public slots:
    void refresh();
    void accept() override;

private:
    QString mappingKey() const;
    // The option problems of the columns section, or empty.
    QString columnOptions(ImportOptions& o) const;
    void showProblems(const QString& optionError);
    QString path_;
    QString text_;
    bool valid_ = false;
    QString error_;
    std::vector<std::string> header_;
    ColumnMapping automatic_; // the file's own columns, mapped automatically
    std::map<Field, QComboBox*> fields_;
    std::map<Field, QComboBox*> units_;
    QTableWidget *preview_, *derived_;
    QListWidget* invalid_;
    QCheckBox* skip_;
    QPlainTextEdit *formulas_, *constants_, *lookups_;
    QComboBox* perGroup_;
    QLineEdit* groupColumns_;
    QLabel *summary_, *format_;
    QDialogButtonBox* buttons_;
    ImportResult result_;
};

} // namespace moescope
