#pragma once
// Bringing a sweep CSV in by hand: the detected delimiter and header, the first 100 rows, one combo per
// field pre-filled by the automatic mapping (or the mapping last used for a file with the same header),
// unit multipliers, a preview of the runs with their derived fields, every invalid row with its line, and
// "skip invalid rows" only as an explicit choice.
#include "core/io/RunImporter.h"
#include "core/store/Workspace.h"

#include <QDialog>

#include <map>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QListWidget;
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
    bool canAccept() const;

    // The import as the dialog now defines it; the record names file, hash and mapping.
    const ImportResult& result() const { return result_; }
    ImportRecord record() const;
    ImportOptions options() const;

public slots:
    void refresh();
    void accept() override;

private:
    QString mappingKey() const;
    QString path_;
    QString text_;
    bool valid_ = false;
    QString error_;
    std::vector<std::string> header_;
    std::map<Field, QComboBox*> fields_;
    std::map<Field, QComboBox*> units_;
    QTableWidget *preview_, *derived_;
    QListWidget* invalid_;
    QCheckBox* skip_;
    QLabel *summary_, *format_;
    QDialogButtonBox* buttons_;
    ImportResult result_;
};

} // namespace moescope
