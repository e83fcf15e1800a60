#include "ui/ValidateView.h"

#include "core/fit/Backtest.h"
#include "core/fit/Extrapolation.h"
#include "ui/ChartSupport.h"
#include "ui/TrackRecordChart.h"
#include "ui/WindowWords.h"

#include <QColor>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace moescope {

namespace {

QTableWidget* newTable(const QStringList& headers) {
    auto* t = new QTableWidget(0, headers.size());
    t->setHorizontalHeaderLabels(headers);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    t->verticalHeader()->hide();
    return t;
}

QString number(double v, int precision = 4, char format = 'f') {
    return std::isfinite(v) ? QString::number(v, format, precision) : QString("–");
}

void setRow(QTableWidget* t, int row, const QStringList& cells) {
    for (int c = 0; c < cells.size(); ++c)
        t->setItem(row, c, new QTableWidgetItem(cells[c]));
}

} // namespace

ValidateView::ValidateView(QWidget* parent)
    : QWidget(parent), verdict_(new QLabel), chart_(newChartView("Backtest")),
      record_(newChartView("Track record")),
      frontier_(newTable({"budget", "S", "method", "predicted L*", "95 % interval", "observed L*", "error",
                          "N* predicted", "N* observed", "N* error"})),
      laws_(newTable({"law", "train RMSE", "held-out RMSE", "max |error|", "train runs", "held-out runs"})) {
    verdict_->setWordWrap(true);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* tables = new QSplitter(Qt::Vertical);
    tables->addWidget(frontier_);
    tables->addWidget(laws_);
    // One chart at a time, each at the view's full height: stacked, their axis titles were cut.
    auto* charts = new QTabWidget;
    charts->addTab(chart_, tr("Backtest"));
    charts->addTab(record_, tr("Track record"));
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(charts);
    split->addWidget(tables);
    // Three fifths for the charts: the tables' size hints (every column to its contents) would otherwise
    // take the width and leave the charts' legends clipped.
    split->setSizes({3000, 2000});
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(verdict_);
    layout->addWidget(split, 1);
}

void ValidateView::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot) {
    frontier_->setRowCount(0);
    laws_->setRowCount(0);
    const Recommendation* record = snapshot ? snapshot->recommendation.get() : nullptr;
    QChart* track = record ? trackRecordChart(*record, snapshot->backtest ? snapshot->backtest->tolerance
                                                                          : ExtrapolationOptions{}.tolerance)
                           : nullptr;
    if (track)
        installChart(record_, track);
    else
        showMessage(record_, tr("Track record"),
                    record && !record->why.empty()
                        ? windowWords(record->why)
                        : tr("no track record: it needs three budgets or more with interior optima"));
    const BacktestResult* r = snapshot ? snapshot->backtest.get() : nullptr;
    if (!r) {
        verdict_->setText(tr("No backtest: it needs runs at two budgets or more (the largest is held out)."));
        showMessage(chart_, tr("Backtest"), tr("no backtest for these runs"));
        return;
    }
    // The budgets really held out, by name: the method's own record (chosen on the training runs) spoke of
    // the largest training budget, and read as if that were the one predicted.
    std::set<double> heldOut;
    for (const BacktestRow& row : r->frontier)
        heldOut.insert(row.budget);
    QStringList held;
    for (double c : heldOut)
        held << QString::number(c, 'g', 3);
    verdict_->setText(tr("<b>%1</b> — %2. Trained on the runs where %3, held out C = %4; %5 chosen on the "
                         "training runs alone: %6.")
                          .arg(r->pass ? tr("PASS") : tr("FAIL"), windowWords(r->verdict).toHtmlEscaped(),
                               QString::fromStdString(r->train).toHtmlEscaped(),
                               held.isEmpty() ? tr("(none with an optimum)") : held.join(", "),
                               QString::fromStdString(r->recommendation.method),
                               windowWords(r->recommendation.why).toHtmlEscaped()));
    verdict_->setStyleSheet(r->pass ? "color: #1a7f37" : "color: #b42318");

    frontier_->setRowCount(static_cast<int>(r->frontier.size()));
    QList<QPointF> points;
    double lo = 1e300, hi = -1e300;
    for (int i = 0; i < static_cast<int>(r->frontier.size()); ++i) {
        const BacktestRow& row = r->frontier[i];
        const Band& l = row.predicted.loss;
        setRow(frontier_, i,
               {QString::number(row.budget, 'g', 3), QString::number(row.sparsity, 'g', 4),
                QString::fromStdString(row.method), number(l.value),
                QString("[%1, %2]").arg(number(l.lo), number(l.hi)), number(row.observedLoss),
                number(row.lossError, 4), number(row.predicted.params.value, 3, 'g'),
                number(row.observedParams, 3, 'g'),
                std::isfinite(row.paramsRelError) ? QString("%1 %").arg(100 * row.paramsRelError, 0, 'f', 0)
                                                  : "–"});
        if (!row.observedProblem.empty())
            frontier_->item(i, 5)->setToolTip(QString::fromStdString(row.observedProblem));
        if (!row.observed) continue;
        // Which half of the verdict this optimum failed: its L* error or its N* error, in the verdict's red.
        for (const auto& [column, held] : {std::pair{6, row.lossHeld}, std::pair{9, row.paramsHeld}})
            if (!held) {
                frontier_->item(i, column)->setForeground(QColor("#b42318"));
                frontier_->item(i, column)->setToolTip(column == 6
                                                           ? tr("L* missed by more than the tolerance")
                                                           : tr("N* missed by more than the N tolerance "
                                                                "and outside its interval"));
            }
        points << QPointF(row.observedLoss, l.value);
        for (double v : {row.observedLoss, l.lo, l.hi})
            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    laws_->setRowCount(static_cast<int>(r->laws.size()));
    for (int i = 0; i < static_cast<int>(r->laws.size()); ++i) {
        const LawScore& s = r->laws[i];
        setRow(laws_, i,
               {QString::fromStdString(s.law), number(s.trainRmse), number(s.heldoutRmse),
                number(s.heldoutMaxAbs), QString::number(s.trainN), QString::number(s.heldoutN)});
    }
    if (points.isEmpty()) {
        showMessage(chart_, tr("Backtest"),
                    tr("no held-out budget has an interior isoFLOP optimum to compare with"));
        return;
    }
    const auto [a, b] = padded(lo, hi, false);
    auto* x = makeValueAxis(tr("observed L* (held-out optimum)"), a, b);
    auto* y = makeValueAxis(tr("predicted L*"), a, b);
    QChart* chart =
        chartWithAxes(tr("Backtest at the held-out budget (±%1 nats shaded)").arg(r->tolerance), x, y);
    chart->legend()->setAlignment(Qt::AlignBottom); // the plot keeps the width for its axis titles
    // The tolerance band around the diagonal: a point inside it passes.
    attach(chart,
           band(tr("within tolerance"), {QPointF(a, a - r->tolerance), QPointF(b, b - r->tolerance)},
                {QPointF(a, a + r->tolerance), QPointF(b, b + r->tolerance)}, QColor(26, 127, 55)),
           x, y);
    attach(chart, curve(tr("predicted = observed"), {QPointF(a, a), QPointF(b, b)}, Qt::darkGray, 1), x, y);
    // Each prediction's 95 % interval as a vertical bar.
    for (const BacktestRow& row : r->frontier) {
        if (!row.observed || !std::isfinite(row.predicted.loss.lo)) continue;
        auto* bar = curve(QString("interval S=%1").arg(row.sparsity),
                          {QPointF(row.observedLoss, row.predicted.loss.lo),
                           QPointF(row.observedLoss, row.predicted.loss.hi)},
                          QColor(40, 90, 200), 1.5);
        attach(chart, bar, x, y);
        hideFromLegend(chart, bar);
    }
    attach(chart, markers(tr("held-out optima"), points, QColor(40, 90, 200), 10), x, y);
    installChart(chart_, chart);
}

} // namespace moescope
