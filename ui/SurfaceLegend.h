#pragma once
// What the 3D view's marks mean, painted by Qt over each frame: a legend of its curves, optimum and run
// colours, and the loss colour bar.
#include <QColor>
#include <QFont>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

class QPainter;

namespace moescope {

// The overlay's text: a font of a given pixel height, as the frame under it is laid out in pixels, and its
// colour.
QFont pixelFont(int pixels);
inline const QColor kOverlayText(25, 25, 25);

struct LegendEntry {
    QString text;
    QColor colour;
    enum Kind { Line, Disc } kind;
};

// The size of the legend's box for these entries.
QSizeF legendSize(const std::vector<LegendEntry>& entries);
// The entries in a grey box whose top left corner is `topLeft`; returns the box.
QRectF paintLegend(QPainter& painter, const std::vector<LegendEntry>& entries, QPointF topLeft);

// The colour bar's five labels from `lo` to `hi`, with the decimals that keep them distinct.
QStringList colourBarLabels(double lo, double hi);
// A vertical colour bar filling `bar` from `lo` (bottom) to `hi` (top), five labels at its right and the
// title above it.
void paintColourBar(QPainter& painter, const QRectF& bar, const std::function<QColor(double)>& colour,
                    double lo, double hi, const QString& title);

} // namespace moescope
