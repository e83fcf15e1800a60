#include "ui/RoundLogTicks.h"

#include <QChart>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QLogValueAxis>
#include <QPen>

#include <cmath>

namespace moescope {

RoundLogTicks::RoundLogTicks(QChart* chart, QLogValueAxis* axis)
    : QObject(chart), chart_(chart), axis_(axis) {
    setObjectName("RoundLogTicks");
    // The axis still lays out its label space; its own labels are drawn transparent, its grid not at all.
    QColor none = axis->labelsColor();
    none.setAlpha(0);
    axis->setLabelsColor(none);
    axis->setGridLineVisible(false);
    axis->setMinorGridLineVisible(false);
    axis->setMinorTickCount(0);
    connect(chart, &QChart::plotAreaChanged, this, &RoundLogTicks::redraw);
    connect(axis, &QLogValueAxis::rangeChanged, this, &RoundLogTicks::redraw);
    connect(axis, &QLogValueAxis::baseChanged, this, &RoundLogTicks::redraw);
    redraw();
}

std::vector<double> RoundLogTicks::ticks(double lo, double hi, double pixels, double spacing) {
    if (!(lo > 0) || !(hi > lo)) return {};
    const size_t fit = std::max<size_t>(2, static_cast<size_t>(pixels / spacing));
    const double first = std::floor(std::log10(lo)), last = std::ceil(std::log10(hi));
    // The first decade inside the range: "every k-th decade" counts from it.
    const double inside = std::ceil(std::log10(lo) - 1e-9);
    auto within = [&](const std::vector<double>& mantissas, int every) {
        std::vector<double> v;
        for (double k = first; k <= last; ++k) {
            const long long step = static_cast<long long>(k - inside);
            if ((step % every + every) % every != 0) continue;
            for (double m : mantissas) {
                const double x = m * std::pow(10.0, k);
                if (x >= lo * (1 - 1e-9) && x <= hi * (1 + 1e-9)) v.push_back(x);
            }
        }
        return v;
    };
    auto thinned = [&](std::vector<double> v) { // every other one from the first, until they fit
        while (v.size() > fit) {
            std::vector<double> half;
            for (size_t i = 0; i < v.size(); i += 2)
                half.push_back(v[i]);
            v = half;
        }
        return v;
    };
    // The densest of the usual sets that fits with two labels or more.
    for (const std::vector<double>& set : {std::vector<double>{1, 2, 3, 5, 7}, {1, 2, 5}, {1}})
        if (auto v = within(set, 1); v.size() >= 2 && v.size() <= fit) return v;
    // Many decades: every k-th.
    if (within({1}, 1).size() > fit)
        for (int every = 2;; ++every)
            if (auto v = within({1}, every); v.size() <= fit) return v;
    // A decade or less, in little room: 1-2-5 thinned; under a factor 2.5, finer steps.
    if (auto v = within({1, 2, 5}, 1); v.size() >= 2) return thinned(v);
    return thinned(within({1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9}, 1));
}

QString RoundLogTicks::label(double value) {
    if (value >= 1e-3 && value < 1e5) return QString::number(value, 'g', 6);
    const int k = static_cast<int>(std::floor(std::log10(value) + 1e-9));
    const double m = value / std::pow(10.0, k);
    return QString::number(m, 'g', 3) + "e" + QString::number(k);
}

void RoundLogTicks::redraw() {
    for (QGraphicsItem* item : items_)
        delete item;
    items_.clear();
    labels_.clear();
    const QRectF plot = chart_->plotArea();
    if (!axis_->isVisible() || plot.isEmpty()) return;
    const bool horizontal = axis_->orientation() == Qt::Horizontal;
    const double lo = axis_->min(), hi = axis_->max();
    const double span = std::log(hi / lo);
    const double length = horizontal ? plot.width() : plot.height();
    const QFont font = axis_->labelsFont();
    QColor ink = axis_->titleBrush().color(); // the labels' own colour was made transparent
    QPen grid = axis_->gridLinePen();
    grid.setColor(QColor(0, 0, 0, 38));
    // A label across is its width, about 56 px; stacked, its height and a gap.
    for (double v : ticks(lo, hi, length, horizontal ? 56 : 26)) {
        const double t = std::log(v / lo) / span;
        const QString text = label(v);
        labels_ << text;
        auto* line = new QGraphicsLineItem(chart_);
        auto* tick = new QGraphicsSimpleTextItem(text, chart_);
        tick->setFont(font);
        tick->setBrush(ink);
        const QRectF box = tick->boundingRect();
        if (horizontal) {
            const double x = plot.left() + t * plot.width();
            line->setLine(x, plot.top(), x, plot.bottom());
            tick->setPos(x - box.width() / 2, plot.bottom() + 4);
        } else {
            const double y = plot.bottom() - t * plot.height();
            line->setLine(plot.left(), y, plot.right(), y);
            tick->setPos(plot.left() - box.width() - 6, y - box.height() / 2);
        }
        line->setPen(grid);
        items_.push_back(line), items_.push_back(tick);
    }
}

void roundLogTicks(QChart* chart) {
    for (QAbstractAxis* a : chart->axes()) {
        auto* axis = qobject_cast<QLogValueAxis*>(a);
        if (!axis) continue;
        bool has = false;
        for (auto* t : chart->findChildren<RoundLogTicks*>(QString(), Qt::FindDirectChildrenOnly))
            has = has || t->axis() == axis;
        if (!has) new RoundLogTicks(chart, axis);
    }
}

} // namespace moescope
