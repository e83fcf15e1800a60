#include "ui/ChartSupport.h"

#include "core/fit/Analysis.h"
#include "ui/RoundLogTicks.h"
#include "ui/WindowWords.h"

#include <QAreaSeries>
#include <QCursor>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace moescope {

QLogValueAxis* makeLogAxis(const QString& title, double lo, double hi) {
    if (!(lo > 0) || !(hi > 0))
        throw AxisRangeError(QString("log axis '%1' needs a positive range, got [%2, %3]")
                                 .arg(title)
                                 .arg(lo)
                                 .arg(hi)
                                 .toStdString());
    auto* axis = new QLogValueAxis;
    axis->setTitleText(title);
    if (!(hi > lo)) hi = lo * 1.1;
    // The labels a chart shows are RoundLogTicks' (1, 2, 5 × 10^k, installed with the chart); the axis's
    // own, at its base's powers, only reserve their space: base 10, in the short format ours take.
    axis->setBase(10);
    axis->setLabelFormat("%.0e");
    axis->setRange(lo, hi);
    axis->setMinorTickCount(0);
    return axis;
}

QValueAxis* makeValueAxis(const QString& title, double lo, double hi) {
    auto* axis = new QValueAxis;
    axis->setTitleText(title);
    axis->setRange(lo, hi > lo ? hi : lo + 1e-6);
    axis->applyNiceNumbers();
    axis->setLabelFormat("%.3g"); // "0.2", not "0.20": short enough for a narrow chart's ticks
    return axis;
}

void attach(QChart* chart, QAbstractSeries* s, QAbstractAxis* x, QAbstractAxis* y) {
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
}

namespace {
// The legend choices live on the series as well as on its markers: a marker's own visibility reads false
// in a chart that is not on screen, so installChart copies these and applies them again.
constexpr const char* kOffLegend = "moescopeOffLegend";
constexpr const char* kLegendLabel = "moescopeLegendLabel";

void applyLegendChoices(QChart* chart, QAbstractSeries* s) {
    const QString label = s->property(kLegendLabel).toString();
    for (QLegendMarker* m : chart->legend()->markers(s)) {
        if (!label.isEmpty()) m->setLabel(label);
        m->setVisible(!s->property(kOffLegend).toBool());
    }
}
} // namespace

void hideFromLegend(QChart* chart, QAbstractSeries* s) {
    s->setProperty(kOffLegend, true);
    applyLegendChoices(chart, s);
}

void setLegendLabel(QChart* chart, QAbstractSeries* s, const QString& label) {
    s->setProperty(kLegendLabel, label);
    applyLegendChoices(chart, s);
}

QLineSeries* curve(const QString& name, const QList<QPointF>& points, const QColor& colour, qreal width) {
    auto* s = new QLineSeries;
    s->setName(name);
    s->append(points);
    QPen pen(colour);
    pen.setWidthF(width);
    s->setPen(pen);
    return s;
}

QLineSeries* dashedCurve(const QString& name, const QList<QPointF>& points, const QColor& colour) {
    auto* s = curve(name, points, colour);
    QPen pen = s->pen();
    pen.setStyle(Qt::DashLine);
    s->setPen(pen);
    return s;
}

QChart* chartWithAxes(const QString& title, QAbstractAxis* x, QAbstractAxis* y) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    // A column of short labels beside the plot: Qt truncates a row of five above a narrow chart to "C=1...".
    chart->legend()->setAlignment(Qt::AlignRight);
    return chart;
}

QAbstractSeries* band(const QString& name, const QList<QPointF>& lower, const QList<QPointF>& upper,
                      const QColor& colour) {
    auto* lo = new QLineSeries;
    auto* hi = new QLineSeries;
    lo->append(lower);
    hi->append(upper);
    auto* area = new QAreaSeries(hi, lo);
    area->setName(name);
    QColor fill = colour;
    fill.setAlphaF(0.18f);
    area->setBrush(fill);
    area->setPen(Qt::NoPen);
    return area;
}

QScatterSeries* markers(const QString& name, const QList<QPointF>& points, const QColor& colour, qreal size,
                        QScatterSeries::MarkerShape shape) {
    auto* s = new QScatterSeries;
    s->setName(name);
    s->append(points);
    s->setColor(colour);
    s->setBorderColor(colour.darker(150));
    s->setMarkerSize(size);
    s->setMarkerShape(shape);
    return s;
}

QColor sparsityColour(double sparsity) {
    // S = 0.99 (a hundred experts per active one) is the far end of the ramp.
    const double t =
        std::clamp(-std::log1p(-std::clamp(sparsity, 0.0, 0.999)) / -std::log1p(-0.99), 0.0, 1.0);
    return QColor::fromHsvF(float(0.66 * t), 0.75f, 0.8f);
}

namespace {
// Position of v in [lo, hi] on a log scale, 0.5 when the range is a point.
double logPosition(double v, double lo, double hi) {
    if (!(hi > lo) || !(lo > 0) || !(v > 0)) return 0.5;
    return std::clamp(std::log(v / lo) / std::log(hi / lo), 0.0, 1.0);
}

QColor mix(QColor a, QColor b, double t) {
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}
} // namespace

QColor budgetColour(double budget, double lo, double hi) {
    return mix(QColor(235, 120, 190), QColor(70, 0, 100), logPosition(budget, lo, hi));
}

QColor sizeColour(double params, double lo, double hi) {
    return mix(QColor(205, 165, 110), QColor(70, 35, 5), logPosition(params, lo, hi));
}

QString pointTip(QXYSeries* series, QPointF point) {
    QString label = series->property(kLegendLabel).toString();
    if (label.isEmpty()) label = series->name();
    const auto axisTitle = [&](Qt::Orientation o, const QString& fallback) {
        for (QAbstractAxis* a : series->attachedAxes())
            if (a->orientation() == o && !a->titleText().isEmpty()) return a->titleText();
        return fallback;
    };
    return QString("%1\n%2: %3\n%4: %5")
        .arg(label, axisTitle(Qt::Horizontal, "x"))
        .arg(point.x(), 0, 'g', 4)
        .arg(axisTitle(Qt::Vertical, "y"))
        .arg(point.y(), 0, 'g', 4);
}

namespace {
// Every point series of a chart names itself and its value under the pointer.
void addHoverTips(QChart* chart) {
    for (QAbstractSeries* s : chart->series())
        if (auto* xy = qobject_cast<QXYSeries*>(s))
            QObject::connect(xy, &QXYSeries::hovered, xy, [xy](const QPointF& p, bool entered) {
                if (entered)
                    QToolTip::showText(QCursor::pos(), pointTip(xy, p));
                else
                    QToolTip::hideText();
            });
}
} // namespace

std::pair<double, double> padded(double lo, double hi, bool log, double fraction) {
    if (log) {
        const double a = std::log10(lo), b = std::log10(hi), pad = std::max(1e-3, (b - a) * fraction);
        return {std::pow(10.0, a - pad), std::pow(10.0, b + pad)};
    }
    const double pad = std::max(1e-9, (hi - lo) * fraction);
    return {lo - pad, hi + pad};
}

namespace {
bool sameShape(QChart* a, QChart* b) {
    const auto sa = a->series(), sb = b->series();
    const auto xa = a->axes(), xb = b->axes();
    if (sa.size() != sb.size() || sa.isEmpty() || xa.size() != xb.size()) return false;
    for (int i = 0; i < sa.size(); ++i)
        if (sa[i]->type() != sb[i]->type()) return false;
    for (int i = 0; i < xa.size(); ++i)
        if (xa[i]->type() != xb[i]->type() || xa[i]->alignment() != xb[i]->alignment()) return false;
    return true;
}
} // namespace

void installChart(QChartView* view, QChart* fresh) {
    QChart* old = view->chart();
    if (!old || !sameShape(old, fresh)) {
        addHoverTips(fresh);
        roundLogTicks(fresh);
        view->setChart(fresh);
        delete old;
        return;
    }
    old->setTitle(fresh->title());
    const auto from = fresh->series(), to = old->series();
    for (int i = 0; i < from.size(); ++i) {
        to[i]->setName(from[i]->name()); // resets the legend label: the choices are applied again
        to[i]->setProperty(kOffLegend, from[i]->property(kOffLegend));
        to[i]->setProperty(kLegendLabel, from[i]->property(kLegendLabel));
        applyLegendChoices(old, to[i]);
        // Colours go with the data: a series' place in the chart need not mean the same level as before.
        if (auto* f = qobject_cast<QXYSeries*>(from[i])) {
            auto* t = static_cast<QXYSeries*>(to[i]);
            t->setPen(f->pen());
            t->setBrush(f->brush());
            if (auto* scatter = qobject_cast<QScatterSeries*>(t))
                scatter->setBorderColor(static_cast<QScatterSeries*>(f)->borderColor());
            t->replace(f->points());
        } else if (auto* f = qobject_cast<QAreaSeries*>(from[i])) {
            auto* t = static_cast<QAreaSeries*>(to[i]);
            t->setPen(f->pen());
            t->setBrush(f->brush());
            t->upperSeries()->replace(f->upperSeries()->points());
            if (f->lowerSeries() && t->lowerSeries()) t->lowerSeries()->replace(f->lowerSeries()->points());
        }
    }
    const auto fa = fresh->axes(), ta = old->axes();
    for (int i = 0; i < fa.size(); ++i) {
        ta[i]->setTitleText(fa[i]->titleText());
        if (auto* f = qobject_cast<QLogValueAxis*>(fa[i])) {
            auto* t = static_cast<QLogValueAxis*>(ta[i]);
            t->setBase(f->base());
            t->setLabelFormat(f->labelFormat());
            t->setMinorTickCount(f->minorTickCount());
            t->setRange(f->min(), f->max());
        } else if (auto* f = qobject_cast<QValueAxis*>(fa[i]))
            static_cast<QValueAxis*>(ta[i])->setRange(f->min(), f->max());
    }
    delete fresh;
}

QChartView* newChartView(const QString& title) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto* view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(280, 220);
    return view;
}

void showMessage(QChartView* view, const QString& title, const QString& message) {
    auto* chart = new QChart;
    // The title in bold over the message, wrapped at 60 characters: a chart title is one elided line, so
    // "Backtest" and "no backtest…" ran together and a long reason was cut.
    QStringList lines{QString()};
    for (const QString& word : message.split(' ', Qt::SkipEmptyParts)) {
        if (!lines.back().isEmpty() && lines.back().size() + word.size() >= 60) lines << QString();
        lines.back() += (lines.back().isEmpty() ? "" : " ") + word;
    }
    for (QString& line : lines)
        line = line.toHtmlEscaped();
    chart->setTitle("<b>" + title.toHtmlEscaped() + "</b><br>" + lines.join("<br>"));
    chart->legend()->hide();
    QChart* old = view->chart();
    view->setChart(chart);
    delete old;
}

QString noBudgetMessage(const AnalysisSnapshot* snapshot) {
    if (snapshot) return windowWords(whyNoBudget(*snapshot));
    return "no budget with a fitted surface yet: import a sweep (File › Import sweep…) or open one "
           "(File › Open Example)";
}

} // namespace moescope
