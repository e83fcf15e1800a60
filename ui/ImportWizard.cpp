#include "ui/ImportWizard.h"

#include "core/io/ColumnMapping.h"
#include "core/io/CsvReader.h"
#include "core/store/Sha256.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace moescope {

namespace {
bool scalable(Field f) {
    return f == Field::Params || f == Field::ActiveParams || f == Field::Tokens || f == Field::Flops ||
           f == Field::Budget;
}
} // namespace

ImportWizard::ImportWizard(const QString& path, QWidget* parent)
    : QDialog(parent), path_(path), preview_(new QTableWidget), derived_(new QTableWidget),
      invalid_(new QListWidget),
      skip_(new QCheckBox(tr("Skip invalid rows (they are listed, not imported)"))), summary_(new QLabel),
      format_(new QLabel), buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
    setWindowTitle(tr("Import %1").arg(QFileInfo(path).fileName()));
    resize(1200, 800);
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        error_ = tr("%1: cannot open (%2)").arg(path, f.errorString());
        return;
    }
    const QByteArray bytes = f.readAll();
    CsvReader reader;
    std::string e;
    if (!reader.openText(bytes.toStdString(), e)) {
        error_ = QString("%1: %2").arg(path, QString::fromStdString(e));
        return;
    }
    valid_ = true;
    text_ = QString::fromUtf8(bytes);
    header_ = reader.header();
    const char delim = reader.delimiter();
    format_->setText(tr("Delimiter %1, header on line %2 with %3 columns")
                         .arg(delim == '\t' ? tr("tab") : QString("'%1'").arg(delim))
                         .arg(reader.headerLine())
                         .arg(header_.size()));

    // The first 100 records as read.
    preview_->setColumnCount(int(header_.size()));
    QStringList headers;
    for (const auto& h : header_)
        headers << QString::fromStdString(h);
    preview_->setHorizontalHeaderLabels(headers);
    std::vector<std::string_view> fields;
    int line = 0;
    for (int row = 0; row < 100 && reader.next(fields, line, e) == CsvReader::Status::Row; ++row) {
        preview_->insertRow(row);
        preview_->setVerticalHeaderItem(row, new QTableWidgetItem(QString::number(line)));
        for (size_t c = 0; c < fields.size() && c < header_.size(); ++c)
            preview_->setItem(
                row, int(c),
                new QTableWidgetItem(QString::fromUtf8(fields[c].data(), int(fields[c].size()))));
    }
    preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);

    // One combo per field: automatic mapping, or the one remembered for this header.
    ColumnMapping automatic;
    automatic.build(header_, {}, e);
    const QStringList remembered = QSettings().value(mappingKey()).toStringList();
    auto* form = new QFormLayout;
    for (Field fld : allFields()) {
        auto* combo = new QComboBox;
        combo->setObjectName(QString::fromUtf8(fieldName(fld).data()));
        combo->addItem(tr("(not in the file)"), -1);
        for (size_t c = 0; c < header_.size(); ++c)
            combo->addItem(QString::fromStdString(header_[c]), int(c));
        int chosen = automatic.columnOf(fld);
        for (const QString& m : remembered)
            if (m.section('=', 0, 0) == combo->objectName()) chosen = m.section('=', 1).toInt();
        combo->setCurrentIndex(combo->findData(chosen));
        fields_[fld] = combo;
        auto* row = new QHBoxLayout;
        row->addWidget(combo, 1);
        if (scalable(fld)) {
            auto* unit = new QComboBox;
            unit->setObjectName(combo->objectName() + "_unit");
            unit->addItem("×1", 1.0);
            unit->addItem("×1e3 (thousands)", 1e3);
            unit->addItem("×1e6 (millions)", 1e6);
            unit->addItem("×1e9 (billions)", 1e9);
            unit->addItem("×1e12 (trillions)", 1e12);
            units_[fld] = unit;
            row->addWidget(unit);
            connect(unit, &QComboBox::currentIndexChanged, this, &ImportWizard::refresh);
        }
        form->addRow(combo->objectName(), row);
        connect(combo, &QComboBox::currentIndexChanged, this, &ImportWizard::refresh);
    }
    connect(skip_, &QCheckBox::toggled, this, &ImportWizard::refresh);
    connect(buttons_, &QDialogButtonBox::accepted, this, &ImportWizard::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    derived_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    summary_->setWordWrap(true);

    auto* mapping = new QWidget;
    mapping->setLayout(form);
    auto* scroll = new QScrollArea;
    scroll->setWidget(mapping);
    scroll->setWidgetResizable(true);
    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(preview_);
    right->addWidget(derived_);
    right->addWidget(invalid_);
    auto* split = new QSplitter;
    split->addWidget(scroll);
    split->addWidget(right);
    split->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(format_);
    layout->addWidget(split, 1);
    layout->addWidget(summary_);
    layout->addWidget(skip_);
    layout->addWidget(buttons_);
    refresh();
}

QString ImportWizard::mappingKey() const {
    QByteArray h;
    for (const auto& c : header_)
        h += QByteArray::fromStdString(c) + '\x1f';
    return "mapping/" + QCryptographicHash::hash(h, QCryptographicHash::Sha1).toHex();
}

ImportOptions ImportWizard::options() const {
    ImportOptions o;
    for (const auto& [f, combo] : fields_) {
        const int c = combo->currentData().toInt();
        o.overrides.push_back({std::string(fieldName(f)), c >= 0 ? header_[c] : std::string()});
        if (units_.count(f)) o.scale[static_cast<int>(f)] = units_.at(f)->currentData().toDouble();
    }
    o.skipInvalid = skip_->isChecked();
    return o;
}

ImportRecord ImportWizard::record() const {
    ImportRecord r;
    r.path = path_.toStdString();
    r.sha256 = sha256OfFile(r.path);
    r.mapping = result_.mapping;
    return r;
}

bool ImportWizard::canAccept() const {
    return valid_ && result_.ok() && !result_.table.runs.empty();
}

void ImportWizard::refresh() {
    if (!valid_) return;
    const ImportOptions o = options();
    // One import serves preview and result: the importer keeps the valid runs and lists every invalid row
    // whether or not skipping was chosen; only the outcome differs.
    result_ = importRunsText(text_.toStdString(), path_.toStdString(), o);
    const ImportResult& shown = result_;
    invalid_->clear();
    for (const auto& e : shown.errors)
        invalid_->addItem(QString::fromStdString(e.toString()));
    // Derived preview: the canonical fields of the first 20 runs, derived values in italics.
    derived_->clear();
    std::vector<Field> present;
    for (Field f : allFields())
        for (const Run& r : shown.table.runs)
            if (r.has(f)) {
                present.push_back(f);
                break;
            }
    derived_->setColumnCount(int(present.size()));
    derived_->setRowCount(int(std::min<size_t>(20, shown.table.runs.size())));
    QStringList names;
    for (Field f : present)
        names << QString::fromUtf8(fieldName(f).data());
    derived_->setHorizontalHeaderLabels(names);
    for (int i = 0; i < derived_->rowCount(); ++i)
        for (int c = 0; c < int(present.size()); ++c) {
            const Run& r = shown.table.runs[i];
            if (!r.has(present[c])) continue;
            auto* item = new QTableWidgetItem(QString::number(r.get(present[c]), 'g', 6));
            if (r.isDerived(present[c])) {
                QFont font = item->font();
                font.setItalic(true);
                item->setFont(font);
                item->setToolTip(tr("derived"));
            }
            derived_->setItem(i, c, item);
        }
    QString text = tr("%1 rows read, %2 valid, %3 invalid.")
                       .arg(shown.rowsRead)
                       .arg(shown.rowsRead - shown.rowsInvalid)
                       .arg(shown.rowsInvalid);
    if (!result_.ok() && result_.outcome == ImportResult::Outcome::InvalidRows && !o.skipInvalid)
        text += tr(" Fix the rows listed below, or choose to skip them.");
    else if (!result_.ok() && !shown.errors.empty())
        text += " " + QString::fromStdString(shown.errors.front().message);
    summary_->setText(text);
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(canAccept());
}

void ImportWizard::accept() {
    if (!canAccept()) return;
    QStringList mapping;
    for (const auto& [f, combo] : fields_)
        mapping
            << QString("%1=%2").arg(QString::fromUtf8(fieldName(f).data())).arg(combo->currentData().toInt());
    QSettings().setValue(mappingKey(), mapping); // the same header next time gets this mapping
    QDialog::accept();
}

} // namespace moescope
