#include "ui/RunFilterProxy.h"

#include "ui/RunTableModel.h"

#include <QRegularExpression>

namespace moescope {

namespace {

// A comparison or a logical word: the text is meant as an expression, not searched for.
bool looksLikeExpression(const QString& text) {
    static const QRegularExpression op(R"((==|!=|<=|>=|<|>|\b(and|or|not)\b))");
    return op.match(text).hasMatch();
}

} // namespace

RunFilterProxy::RunFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setFilterKeyColumn(-1);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
}

void RunFilterProxy::setRunModel(RunTableModel* model) {
    runs_ = model;
    setSourceModel(model);
    // The matches follow the runs: a new table, an excluded run, a new outlier score.
    connect(model, &QAbstractItemModel::modelReset, this, &RunFilterProxy::evaluate);
    connect(model, &QAbstractItemModel::dataChanged, this, [this] {
        if (expression_) evaluate(); // a substring filter the proxy keeps up to date itself
    });
}

void RunFilterProxy::setFilterText(const QString& text) {
    text_ = text.trimmed();
    evaluate();
}

void RunFilterProxy::evaluate() {
    QString error;
    expression_ = false;
    matches_.clear();
    if (!text_.isEmpty() && runs_ && looksLikeExpression(text_)) {
        std::string why;
        if (!RunFilter::parse(text_.toStdString(), filter_, why) ||
            !filter_.select(runs_->runs(), matches_, why))
            error = QString::fromStdString(why);
        expression_ = true; // a failed expression shows no rows, never all of them
    }
    setFilterFixedString(expression_ ? QString() : text_);
    if (expression_) invalidateFilter(); // its matches changed even when the fixed string did not
    if (error != error_) {
        error_ = error;
        emit filterErrorChanged(error_);
    }
}

bool RunFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (!expression_) return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
    return sourceRow >= 0 && sourceRow < static_cast<int>(matches_.size()) && matches_[sourceRow];
}

} // namespace moescope
