#pragma once
// Log axes labelled at round values, 1, 2 and 5 × 10^k (or every decade, or 1-2-3-5-7 where a range is
// narrow), as a reader expects: QLogValueAxis labels only the powers of its base, so a range under two
// decades showed 1.34e+08, 2.68e+08, 5.37e+08 (base 2). The axis keeps mapping the data and reserving its
// label space; its own labels and grid are hidden and these are drawn in their place, redrawn whenever
// the plot area or the range changes.
#include <QObject>
#include <QStringList>

#include <vector>

class QChart;
class QGraphicsItem;
class QLogValueAxis;

namespace moescope {

class RoundLogTicks : public QObject {
    Q_OBJECT
public:
    // Draws round ticks for `axis` (attached to `chart`); owned by the chart.
    RoundLogTicks(QChart* chart, QLogValueAxis* axis);
    // The labels drawn now, from the range's low end.
    QStringList labels() const { return labels_; }
    QLogValueAxis* axis() const { return axis_; }

    // The round values in [lo, hi] a reader can take in along `pixels`, one per `spacing`: the densest of 1,
    // 1-2-5 and 1-2-3-5-7 per decade that fits (every k-th decade when even one a decade is too many).
    static std::vector<double> ticks(double lo, double hi, double pixels, double spacing);
    // "2e8", "0.5", "1e21": short enough never to be elided.
    static QString label(double value);

private:
    void redraw();
    QChart* chart_;
    QLogValueAxis* axis_;
    std::vector<QGraphicsItem*> items_;
    QStringList labels_;
};

// Installs RoundLogTicks on every log axis of `chart` that has none.
void roundLogTicks(QChart* chart);

} // namespace moescope
