#include "ui/RunTableModel.h"

#include "core/fit/Outliers.h"
#include "core/model/RunSelection.h"

#include <QColor>
#include <QFont>

#include <cmath>
#include <set>

namespace moescope {

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunTableModel::setRuns(RunTable table) {
    beginResetModel();
    table_ = std::move(table);
    outlierZ_.clear();
    groups_.clear();
    std::set<std::string> distinct;
    for (const Run& r : table_.runs)
        groups_.push_back(runGroup(table_, r)), distinct.insert(groups_.back());
    if (distinct.size() < 2) groups_.clear();
    rebuildColumns();
    endResetModel();
}

void RunTableModel::setExcluded(int row, bool excluded, const std::string& why) {
    Run& r = table_.runs.at(static_cast<size_t>(row));
    r.excluded = excluded;
    r.excludedWhy = why;
    emit dataChanged(index(row, 0), index(row, columnCount() - 1));
}

void RunTableModel::setOutlierScores(std::vector<double> perRun) {
    if (perRun.size() != table_.runs.size()) perRun.clear();
    const bool columnChanges = perRun.empty() != outlierZ_.empty();
    if (columnChanges) beginResetModel();
    outlierZ_ = std::move(perRun);
    if (columnChanges) {
        rebuildColumns();
        endResetModel();
    } else if (!outlierZ_.empty()) {
        emit dataChanged(index(0, 1), index(rowCount() - 1, 1));
    }
}

void RunTableModel::rebuildColumns() {
    columns_ = {{Kind::Included, 0}};
    if (!outlierZ_.empty()) columns_.push_back({Kind::Outlier, 0});
    if (!groups_.empty()) columns_.push_back({Kind::Group, 0});
    for (Field f : allFields())
        for (const Run& r : table_.runs)
            if (r.has(f)) {
                columns_.push_back({Kind::Field, static_cast<int>(f)});
                break;
            }
    for (int i = 0; i < static_cast<int>(table_.metricNames.size()); ++i)
        columns_.push_back({Kind::Metric, i});
    for (int i = 0; i < static_cast<int>(table_.labelNames.size()); ++i)
        columns_.push_back({Kind::Label, i});
    columns_.push_back({Kind::Why, 0}); // last: the numbers first, the (long) reasons after them
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(table_.runs.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Run& run = table_.runs[index.row()];
    const Column& c = columns_[index.column()];
    switch (c.kind) {
    case Kind::Included:
        // The reason has a column of its own (printed here it made this column 750 px wide).
        if (role == Qt::CheckStateRole) return run.excluded ? Qt::Unchecked : Qt::Checked;
        if (role == Qt::ToolTipRole)
            return run.excluded
                       ? (run.excludedWhy.empty()
                              ? tr("Excluded from fits")
                              : tr("Excluded from fits: %1").arg(QString::fromStdString(run.excludedWhy)))
                       : tr("Included in fits");
        return {};
    case Kind::Why:
        if ((role == Qt::DisplayRole || role == Qt::UserRole) && run.excluded)
            return QString::fromStdString(run.excludedWhy);
        if (role == Qt::ToolTipRole && run.excluded && !run.excludedWhy.empty())
            return QString::fromStdString(run.excludedWhy);
        return {};
    case Kind::Outlier: {
        const double z = outlierZ_[index.row()];
        if (z != z) return {};
        if (role == Qt::DisplayRole) return QString::number(z, 'f', 1);
        if (role == Qt::UserRole) return z;
        const bool flagged = std::fabs(z) > kOutlierZ;
        if (role == Qt::BackgroundRole && flagged) return QColor(255, 205, 150);
        if (role == Qt::ToolTipRole)
            return flagged
                       ? tr("Outlier: its residual, with the law refitted without it, is %1 robust standard "
                            "deviations from the others'. Untick Use to leave it out.")
                             .arg(std::fabs(z), 0, 'f', 1)
                       : tr("Robust leave-one-out z of the run's residual");
        return {};
    }
    case Kind::Group:
        if (role == Qt::DisplayRole || role == Qt::UserRole)
            return QString::fromStdString(groups_[index.row()]);
        if (role == Qt::ToolTipRole) return tr("Run group: a fit uses one group at a time");
        return {};
    case Kind::Field: {
        const Field f = static_cast<Field>(c.index);
        if (!run.has(f)) return {};
        if (role == Qt::DisplayRole) return QString::number(run.get(f), 'g', 6);
        if (role == Qt::EditRole || role == Qt::UserRole) return run.get(f);
        if (role == Qt::FontRole && run.isDerived(f)) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        if (role == Qt::ToolTipRole && run.isDerived(f)) return tr("Derived (not in the source file)");
        return {};
    }
    case Kind::Metric: {
        const double v = c.index < static_cast<int>(run.metrics.size()) ? run.metrics[c.index] : std::nan("");
        if (v != v) return {};
        if (role == Qt::DisplayRole) return QString::number(v, 'g', 6);
        if (role == Qt::UserRole) return v;
        return {};
    }
    case Kind::Label:
        if (role == Qt::DisplayRole || role == Qt::UserRole)
            return c.index < static_cast<int>(run.labels.size()) ? QString::fromStdString(run.labels[c.index])
                                                                 : QString();
        return {};
    }
    return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Vertical) return section + 1;
    const Column& c = columns_[section];
    switch (c.kind) {
    case Kind::Included:
        return tr("Use");
    case Kind::Outlier:
        return tr("outlier z");
    case Kind::Group:
        return tr("group");
    case Kind::Field:
        return QString::fromUtf8(fieldName(static_cast<Field>(c.index)).data());
    case Kind::Metric:
        return QString::fromStdString(table_.metricNames[c.index]);
    case Kind::Label:
        return QString::fromStdString(table_.labelNames[c.index]);
    case Kind::Why:
        return tr("excluded because");
    }
    return {};
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && columns_[index.column()].kind == Kind::Included) f |= Qt::ItemIsUserCheckable;
    if (index.isValid() && columns_[index.column()].kind == Kind::Field) f |= Qt::ItemIsEditable;
    return f;
}

bool RunTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid()) return false;
    const Column& c = columns_[index.column()];
    if (role == Qt::CheckStateRole && c.kind == Kind::Included) {
        emit exclusionRequested(index.row(), value.toInt() != Qt::Checked);
        return true;
    }
    if (role == Qt::EditRole && c.kind == Kind::Field) {
        const Field f = static_cast<Field>(c.index);
        double v = 0;
        std::string reason;
        if (!parseFieldValue(f, value.toString().toStdString(), v, reason)) {
            emit editRefused(
                tr("Run %1, %2: %3")
                    .arg(index.row() + 1)
                    .arg(QString::fromUtf8(fieldName(f).data()), QString::fromStdString(reason)));
            return false;
        }
        emit valueEditRequested(index.row(), f, v);
        return true;
    }
    return false;
}

} // namespace moescope
