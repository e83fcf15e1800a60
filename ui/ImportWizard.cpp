#include "ui/ImportWizard.h"

#include "core/fit/SweepDesign.h"

#include "core/io/ColumnMapping.h"
#include "core/io/CsvReader.h"
#include "core/io/RecordSource.h"
#include "core/store/Sha256.h"

#include <QCheckBox>
#include <QColor>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <optional>

namespace moescope {

namespace {
bool scalable(Field f) {
    return f == Field::Params || f == Field::ActiveParams || f == Field::Tokens || f == Field::Flops ||
           f == Field::Budget;
}

QStringList nonEmptyLines(const QPlainTextEdit* edit) {
    QStringList out;
    for (const QString& line : edit->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty()) out << line.trimmed();
    return out;
}

QPlainTextEdit* optionEdit(const QString& name, const QString& placeholder) {
    auto* edit = new QPlainTextEdit;
    edit->setObjectName(name);
    edit->setPlaceholderText(placeholder);
    edit->setMaximumHeight(70);
    return edit;
}

// A row's message without the values it quotes: rows that fail the same way group together.
QString problemKind(const ImportIssue& e) {
    QString m = QString::fromStdString(e.message);
    m.replace(QRegularExpression("'[^']*'"), "'…'");
    m.replace(QRegularExpression("[-+]?[0-9][0-9.eE+-]*"), "#");
    return QString::fromStdString(e.column) + "\x1f" + m;
}
} // namespace

ImportWizard::ImportWizard(const QString& path, QWidget* parent)
    : QDialog(parent), path_(path), preview_(new QTableWidget), derived_(new QTableWidget),
      invalid_(new QListWidget),
      skip_(new QCheckBox(tr("Skip invalid rows (they are listed, not imported)"))),
      formulas_(optionEdit("formulas", tr("NAME=EXPR per line, e.g. loss=ln(`eval/ppl`)"))),
      constants_(optionEdit("constants", tr("NAME=VALUE per line, e.g. vocab=50304"))),
      lookups_(optionEdit("lookups", tr("COLUMN:FILE.csv per line, e.g. size:sizes.csv"))),
      perGroup_(new QComboBox), groupColumns_(new QLineEdit), summary_(new QLabel), format_(new QLabel),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
    setWindowTitle(tr("Import %1").arg(QFileInfo(path).fileName()));
    resize(sizeFor(screen() ? screen()->availableGeometry() : QRect(0, 0, 1366, 768)));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        error_ = tr("%1: cannot open (%2)").arg(path, f.errorString());
        return;
    }
    const QByteArray bytes = f.readAll();
    std::string e, format;
    const auto reader = openRecordSource(TextBuffer(bytes.toStdString()), e, format);
    if (!reader) {
        error_ = QString("%1: %2").arg(path, QString::fromStdString(e));
        return;
    }
    valid_ = true;
    text_ = QString::fromUtf8(bytes);
    header_ = reader->header();
    const auto* csv = dynamic_cast<const CsvReader*>(reader.get());
    const QString what =
        csv ? tr("CSV, delimiter %1")
                  .arg(csv->delimiter() == '\t' ? tr("tab") : QString("'%1'").arg(csv->delimiter()))
            : (format == "jsonl" ? tr("JSON Lines") : tr("JSON array"));
    format_->setText(tr("%1: %2, header on line %3 with %4 columns")
                         .arg(QFileInfo(path).fileName(), what)
                         .arg(reader->headerLine())
                         .arg(header_.size()));

    // The first 100 records as read.
    preview_->setColumnCount(int(header_.size()));
    QStringList headers;
    for (const auto& h : header_)
        headers << QString::fromStdString(h);
    preview_->setHorizontalHeaderLabels(headers);
    std::vector<std::string_view> fields;
    int line = 0;
    for (int row = 0; row < 100;) {
        const auto status = reader->next(fields, line, e);
        if (status == RecordSource::Status::End || status == RecordSource::Status::Error) break;
        if (status != RecordSource::Status::Row) continue;
        preview_->insertRow(row);
        preview_->setVerticalHeaderItem(row, new QTableWidgetItem(QString::number(line)));
        for (size_t c = 0; c < fields.size() && c < header_.size(); ++c)
            preview_->setItem(
                row, int(c),
                new QTableWidgetItem(QString::fromUtf8(fields[c].data(), int(fields[c].size()))));
        ++row;
    }
    preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);

    // One combo per field: automatic mapping, or the one remembered for this header.
    automatic_.build(header_, {}, e);
    const QStringList remembered = QSettings().value(mappingKey()).toStringList();
    auto recall = [&](const QString& key) -> std::optional<QString> {
        for (const QString& m : remembered)
            if (m.section('=', 0, 0) == key) return m.section('=', 1);
        return std::nullopt;
    };
    auto* form = new QFormLayout;
    for (Field fld : allFields()) {
        auto* combo = new QComboBox;
        combo->setObjectName(QString::fromUtf8(fieldName(fld).data()));
        combo->addItem(tr("(not in the file)"), -1);
        for (size_t c = 0; c < header_.size(); ++c)
            combo->addItem(QString::fromStdString(header_[c]), int(c));
        const auto column = recall(combo->objectName());
        combo->setCurrentIndex(combo->findData(column ? column->toInt() : automatic_.columnOf(fld)));
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
            if (const auto m = recall(unit->objectName()); m && unit->findData(m->toDouble()) >= 0)
                unit->setCurrentIndex(unit->findData(m->toDouble()));
            units_[fld] = unit;
            row->addWidget(unit);
            connect(unit, &QComboBox::currentIndexChanged, this, &ImportWizard::refresh);
        }
        form->addRow(combo->objectName(), row);
        connect(combo, &QComboBox::currentIndexChanged, this, &ImportWizard::refresh);
    }
    // New columns and one run per group: the CLI's options, as widgets.
    perGroup_->setObjectName("per_group");
    perGroup_->addItem(tr("every row"), "none");
    perGroup_->addItem(tr("lowest loss per group"), "best");
    perGroup_->addItem(tr("mean loss per group"), "mean");
    groupColumns_->setObjectName("group_columns");
    if (const auto m = recall("keep"); m && perGroup_->findData(*m) >= 0)
        perGroup_->setCurrentIndex(perGroup_->findData(*m));
    groupColumns_->setText(recall("keep_columns").value_or(QString()));
    for (QPlainTextEdit* edit : {formulas_, constants_, lookups_})
        edit->setPlainText(recall(edit->objectName()).value_or(QString()));
    groupColumns_->setPlaceholderText(tr("group columns, e.g. model.size, experts"));
    auto* columns = new QFormLayout;
    columns->addRow(tr("Formulas"), formulas_);
    columns->addRow(tr("Constants"), constants_);
    columns->addRow(tr("Lookup tables"), lookups_);
    auto* per = new QHBoxLayout;
    per->addWidget(perGroup_);
    per->addWidget(groupColumns_, 1);
    columns->addRow(tr("Keep"), per);
    form->addRow(new QLabel(tr("<b>New columns and groups</b>")));
    form->addRow(columns);
    for (QPlainTextEdit* edit : {formulas_, constants_, lookups_})
        connect(edit, &QPlainTextEdit::textChanged, this, &ImportWizard::refresh);
    connect(perGroup_, &QComboBox::currentIndexChanged, this, &ImportWizard::refresh);
    connect(groupColumns_, &QLineEdit::textChanged, this, &ImportWizard::refresh);
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

QSize ImportWizard::sizeFor(const QRect& available) {
    // 1200×800, or what the screen leaves (OK and Cancel sat below a 1366×768 screen's edge); the mapping
    // scrolls, and the tables shrink with their splitter.
    return {std::min(1200, available.width() * 9 / 10), std::min(800, available.height() * 9 / 10)};
}

QString ImportWizard::mappingKey() const {
    QByteArray h;
    for (const auto& c : header_)
        h += QByteArray::fromStdString(c) + '\x1f';
    return "mapping/" + QCryptographicHash::hash(h, QCryptographicHash::Sha1).toHex();
}

ImportOptions ImportWizard::options(QString* optionError) const {
    ImportOptions o;
    const QString problem = columnOptions(o);
    if (optionError) *optionError = problem;
    // "(not in the file)" unmaps a field only where the file's own columns would have fed it: a field that
    // a new column (formula, constant, lookup) provides is then still mapped to it.
    for (const auto& [f, combo] : fields_) {
        const int c = combo->currentData().toInt();
        if (c < 0 && !automatic_.isMapped(f)) continue;
        o.overrides.push_back({std::string(fieldName(f)), c >= 0 ? header_[c] : std::string()});
        if (units_.count(f)) o.scale[static_cast<int>(f)] = units_.at(f)->currentData().toDouble();
    }
    o.skipInvalid = skip_->isChecked();
    return o;
}

QString ImportWizard::columnOptions(ImportOptions& o) const {
    std::string error;
    for (const QString& line : nonEmptyLines(constants_))
        if (!o.transforms.addConstant(line.toStdString(), error)) return QString::fromStdString(error);
    for (const QString& line : nonEmptyLines(lookups_)) {
        // A lookup table named relative to the sweep's own folder, as a user would write it.
        QString spec = line;
        const QString file = line.section(':', 1).trimmed();
        if (!file.isEmpty() && QFileInfo(file).isRelative())
            spec = line.section(':', 0, 0) + ":" + QFileInfo(path_).dir().filePath(file);
        if (!o.transforms.addLookup(spec.toStdString(), error)) return QString::fromStdString(error);
    }
    for (const QString& line : nonEmptyLines(formulas_))
        if (!o.transforms.addFormula(line.toStdString(), error)) return QString::fromStdString(error);
    const QString per = perGroup_->currentData().toString();
    if (per != "none" && !groupColumns_->text().trimmed().isEmpty()) {
        o.selection.per = per == "best" ? RunSelection::Per::Best : RunSelection::Per::Mean;
        if (!parseColumnList(per == "best" ? "best-per" : "mean-per", groupColumns_->text().toStdString(),
                             o.selection.groupColumns, error))
            return QString::fromStdString(error);
    }
    return {};
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
    QString optionError;
    const ImportOptions o = options(&optionError);
    // One import serves preview and result: the importer keeps the valid runs and lists every invalid row
    // whether or not skipping was chosen; only the outcome differs.
    result_ = importRunsText(text_.toStdString(), path_.toStdString(), o);
    if (!optionError.isEmpty()) result_.outcome = ImportResult::Outcome::BadOption;
    const ImportResult& shown = result_;
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
    showProblems(optionError);
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(canAccept());
}

void ImportWizard::showProblems(const QString& optionError) {
    const ImportResult& shown = result_;
    // Every required field that is missing, at once, with its combo marked.
    QStringList missing;
    auto mapped = [&](Field f) {
        for (const auto& [field, column] : shown.mapping)
            if (field == fieldName(f)) return true;
        return false;
    };
    for (auto& [f, combo] : fields_)
        combo->setStyleSheet({});
    if (!mapped(Field::Loss)) missing << "loss";
    if (!mapped(Field::Params) && !(mapped(Field::DModel) && mapped(Field::NLayers) && mapped(Field::Vocab)))
        missing << tr("params (or d_model, n_layers and vocab)");
    for (Field f : {Field::Loss, Field::Params})
        if (!mapped(f)) fields_.at(f)->setStyleSheet("QComboBox { border: 2px solid #d33; }");

    // Invalid rows grouped by what went wrong; the file is named once, above them.
    invalid_->clear();
    for (int r = 0; r < preview_->rowCount(); ++r)
        for (int c = 0; c < preview_->columnCount(); ++c)
            if (auto* item = preview_->item(r, c)) item->setBackground({}), item->setToolTip({});
    std::vector<std::pair<QString, std::vector<const ImportIssue*>>> groups;
    for (const auto& e : shown.errors) {
        const QString kind = problemKind(e);
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == kind; });
        if (it == groups.end()) it = groups.insert(groups.end(), {kind, {}});
        it->second.push_back(&e);
        // The bad cell itself, where the preview shows its row.
        const auto col = std::find(header_.begin(), header_.end(), e.column);
        for (int r = 0; r < preview_->rowCount() && col != header_.end(); ++r)
            if (preview_->verticalHeaderItem(r)->text().toInt() == e.line)
                if (auto* item = preview_->item(r, int(col - header_.begin()))) {
                    item->setBackground(QColor(255, 190, 190));
                    item->setToolTip(QString::fromStdString(e.message));
                }
    }
    if (!groups.empty()) invalid_->addItem(tr("%1:").arg(path_));
    for (const auto& [kind, issues] : groups) {
        const ImportIssue& first = *issues.front();
        QStringList lines;
        for (size_t i = 0; i < issues.size() && i < 5; ++i)
            lines << QString::number(issues[i]->line);
        if (issues.size() > 5) lines << "…";
        QString text =
            (first.column.empty() ? QString()
                                  : tr("column '%1': ").arg(QString::fromStdString(first.column))) +
            tr("%n row(s) (line %1): ", nullptr, int(issues.size())).arg(lines.join(", ")) +
            QString::fromStdString(first.message);
        if (first.message.find("not a number") != std::string::npos)
            text += tr(" — map another column, or build this one with a lookup table or a formula");
        invalid_->addItem(text);
    }

    QString text;
    if (!missing.isEmpty())
        text = tr("Required fields not mapped: %1. Choose their columns on the left (marked), or build them "
                  "with a "
                  "formula or a lookup table.")
                   .arg(missing.join(tr(" and ")));
    else if (!optionError.isEmpty())
        text = optionError;
    else {
        int excluded = 0;
        for (const Run& r : shown.table.runs)
            excluded += r.excluded;
        text = tr("%1 rows read, %2 valid, %3 invalid; %4 runs used by fits, %5 kept but excluded.")
                   .arg(shown.rowsRead)
                   .arg(shown.rowsRead - shown.rowsInvalid)
                   .arg(shown.rowsInvalid)
                   .arg(int(shown.table.runs.size()) - excluded)
                   .arg(excluded);
        // Units a mapping got wrong read as valid numbers: the budget against 6·N_a·D says so here, before
        // a fit refuses the sweep (tokens of 13.889 beside FLOPs of 1e18 are billions, not tokens).
        if (const SweepDesign design = analyzeDesign(shown.table); !design.budgetProblem.empty())
            text += tr(" Check the units: %1.").arg(QString::fromStdString(design.budgetProblem));
        if (!result_.ok() && result_.outcome == ImportResult::Outcome::InvalidRows && !skip_->isChecked())
            text += tr(" Fix the rows listed below, or choose to skip them.");
        else if (!result_.ok() && !shown.errors.empty())
            text += " " + QString::fromStdString(shown.errors.front().message);
    }
    summary_->setText(text);
}

void ImportWizard::accept() {
    if (!canAccept()) return;
    QStringList mapping;
    for (const auto& [f, combo] : fields_)
        mapping
            << QString("%1=%2").arg(QString::fromUtf8(fieldName(f).data())).arg(combo->currentData().toInt());
    // The rest of the dialog's choices too: a mapping without its multipliers reads billions as ones.
    for (const auto& [f, unit] : units_)
        mapping << QString("%1=%2").arg(unit->objectName()).arg(unit->currentData().toDouble(), 0, 'g', 17);
    mapping << "keep=" + perGroup_->currentData().toString() << "keep_columns=" + groupColumns_->text();
    for (QPlainTextEdit* edit : {formulas_, constants_, lookups_})
        mapping << edit->objectName() + "=" + edit->toPlainText();
    QSettings().setValue(mappingKey(), mapping); // the same header next time gets this mapping
    QDialog::accept();
}

} // namespace moescope
