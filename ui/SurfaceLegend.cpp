#include "ui/SurfaceLegend.h"

#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace moescope {

QFont pixelFont(int pixels) {
    QFont font;
    font.setPixelSize(pixels);
    return font;
}

namespace {
constexpr int kLegendPixels = 13;
constexpr double kPad = 8, kSymbol = 26, kGap = 6;
double legendTextWidth(const std::vector<LegendEntry>& entries, const QFontMetricsF& metrics) {
    double width = 0;
    for (const auto& e : entries)
        width = std::max(width, metrics.horizontalAdvance(e.text));
    return width;
}
} // namespace

QSizeF legendSize(const std::vector<LegendEntry>& entries) {
    if (entries.empty()) return {};
    const QFontMetricsF metrics(pixelFont(kLegendPixels));
    return {2 * kPad + kSymbol + kGap + legendTextWidth(entries, metrics),
            2 * kPad + (metrics.height() + 4) * entries.size()};
}

QRectF paintLegend(QPainter& painter, const std::vector<LegendEntry>& entries, QPointF topLeft) {
    if (entries.empty()) return {};
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    const QFont font = pixelFont(kLegendPixels);
    const QFontMetricsF metrics(font);
    constexpr double pad = kPad, symbol = kSymbol, gap = kGap;
    const double row = metrics.height() + 4;
    const double textWidth = legendTextWidth(entries, metrics);
    const QRectF box(topLeft, legendSize(entries));
    painter.setPen(QColor(150, 150, 150));
    painter.setBrush(QColor(200, 200, 200));
    painter.drawRect(box);
    painter.setFont(font);
    for (size_t i = 0; i < entries.size(); ++i) {
        const LegendEntry& e = entries[i];
        const double y = box.top() + pad + row * (i + 0.5);
        const QPointF mark(box.left() + pad + symbol / 2, y);
        if (e.kind == LegendEntry::Line) {
            painter.setPen(QPen(e.colour, 3));
            painter.drawLine(mark - QPointF(symbol / 2, 0), mark + QPointF(symbol / 2, 0));
        } else {
            painter.setPen(QPen(e.colour.darker(140), 1));
            painter.setBrush(e.colour);
            painter.drawEllipse(mark, 5, 5);
        }
        painter.setPen(kOverlayText);
        painter.drawText(QRectF(box.left() + pad + symbol + gap, y - row / 2, textWidth + 1, row),
                         Qt::AlignLeft | Qt::AlignVCenter, e.text);
    }
    painter.restore();
    return box;
}

QStringList colourBarLabels(double lo, double hi) {
    // As many decimals as make the five values distinct (a calibration sweep's 1.3155 … 1.3130 read
    // "1.32, 1.32, 1.32, 1.31, 1.31" at two), two at least, six at most.
    const double step = std::fabs(hi - lo) / 4;
    const int decimals = step > 0 ? std::clamp(int(std::ceil(-std::log10(step))) + 1, 2, 6) : 2;
    QStringList out;
    for (int i = 0; i < 5; ++i)
        out << QString::number(lo + (hi - lo) * i / 4.0, 'f', decimals);
    return out;
}

void paintColourBar(QPainter& painter, const QRectF& bar, const std::function<QColor(double)>& colour,
                    double lo, double hi, const QString& title) {
    painter.save();
    QLinearGradient ramp(bar.bottomLeft(), bar.topLeft());
    constexpr int stops = 16;
    for (int i = 0; i <= stops; ++i)
        ramp.setColorAt(double(i) / stops, colour(lo + (hi - lo) * i / stops));
    painter.fillRect(bar, ramp);
    painter.setPen(QColor(120, 120, 120));
    painter.drawRect(bar);
    const QFont font = pixelFont(13);
    const QFontMetricsF metrics(font);
    painter.setFont(font);
    painter.setPen(kOverlayText);
    const QStringList labels = colourBarLabels(lo, hi);
    for (int i = 0; i < 5; ++i) {
        const double y = bar.bottom() - i / 4.0 * bar.height();
        painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y));
        painter.drawText(QRectF(bar.right() + 7, y - metrics.height() / 2, 70, metrics.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, labels[i]);
    }
    painter.setFont(pixelFont(15));
    painter.drawText(QRectF(bar.left() - 40, bar.top() - 26, bar.width() + 80, 20), Qt::AlignCenter, title);
    painter.restore();
}

} // namespace moescope
