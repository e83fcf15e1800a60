#include "ui/SurfaceAxes.h"

#include "ui/SurfaceLegend.h"

#include <QFontMetricsF>
#include <QPainter>

#include <vtkCellArray.h>
#include <vtkCoordinate.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace moescope {

namespace {
constexpr double kTick = 0.02;  // tick length in scene units
constexpr double kLabelGap = 8; // pixels between an axis and its labels' nearest edge
constexpr double kTitleGap = 6; // pixels between the labels and the title
constexpr int kLabelPixels = 13, kTitlePixels = 15;

// Rounded tick values inside [lo, hi]: steps of 1, 2 or 5 times a power of ten, at most six ticks.
std::vector<double> niceTicks(double lo, double hi) {
    std::vector<double> ticks;
    const double range = hi - lo;
    if (!(range > 0) || !std::isfinite(range)) return ticks;
    double step = std::pow(10.0, std::floor(std::log10(range / 5)));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (range / (step * m) <= 6) {
            step *= m;
            break;
        }
    for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step)
        ticks.push_back(std::fabs(t) < 1e-12 * step ? 0.0 : t);
    return ticks;
}

QString tickText(double value, double step) {
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    return QString::number(value, 'f', decimals);
}
} // namespace

SurfaceAxes::SurfaceAxes(vtkRenderer* renderer, const std::array<std::array<double, 3>, 3>& ends) {
    for (int k = 0; k < 3; ++k) {
        Axis& a = axes_[k];
        a.end = ends[k];
        vtkNew<vtkPolyDataMapper> mapper;
        mapper->SetInputData(vtkNew<vtkPolyData>());
        a.line = vtkSmartPointer<vtkActor>::New();
        a.line->SetMapper(mapper);
        a.line->GetProperty()->SetColor(0.3, 0.3, 0.3);
        a.line->GetProperty()->SetLighting(false);
        renderer->AddActor(a.line);
    }
    setVisible(false);
}

void SurfaceAxes::rebuildLine(Axis& a, int k) {
    // The axis and a short tick at each label, pointing away from the box.
    const std::array<double, 3> tickDir =
        k == 0 ? std::array<double, 3>{0, -kTick, 0} : std::array<double, 3>{-kTick, 0, 0};
    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> lines;
    const auto segment = [&](const std::array<double, 3>& p, const std::array<double, 3>& q) {
        const vtkIdType ids[2] = {points->InsertNextPoint(p.data()), points->InsertNextPoint(q.data())};
        lines->InsertNextCell(2, ids);
    };
    segment({0, 0, 0}, a.end);
    for (const double t : a.ticks) {
        const double f = (t - a.lo) / (a.hi - a.lo);
        const std::array<double, 3> p{a.end[0] * f, a.end[1] * f, a.end[2] * f};
        segment(p, {p[0] + tickDir[0], p[1] + tickDir[1], p[2] + tickDir[2]});
    }
    auto* poly = vtkPolyData::SafeDownCast(a.line->GetMapper()->GetInputDataObject(0, 0));
    poly->SetPoints(points);
    poly->SetLines(lines);
    poly->Modified();
}

void SurfaceAxes::setAxis(int k, double lo, double hi, const QString& title) {
    Axis& a = axes_[k];
    a.lo = lo, a.hi = std::max(hi, lo + 1e-12);
    a.ticks = niceTicks(a.lo, a.hi);
    a.texts.clear();
    const double step = a.ticks.size() > 1 ? a.ticks[1] - a.ticks[0] : 1.0;
    for (const double t : a.ticks)
        a.texts.push_back(tickText(t, step));
    a.title = title;
    rebuildLine(a, k);
}

void SurfaceAxes::setShown(const std::array<bool, 3>& shown) {
    for (int k = 0; k < 3; ++k) {
        axes_[k].shown = shown[k];
        axes_[k].line->SetVisibility(visible_ && shown[k]);
    }
}

void SurfaceAxes::setVisible(bool visible) {
    visible_ = visible;
    for (Axis& a : axes_)
        a.line->SetVisibility(visible && a.shown);
}

void SurfaceAxes::paint(QPainter& painter, vtkRenderer* ren, double dpr, double height) {
    // World point to widget pixels, through the camera of the frame just rendered.
    vtkNew<vtkCoordinate> coordinate;
    coordinate->SetCoordinateSystemToWorld();
    place(
        [&](const std::array<double, 3>& p) {
            coordinate->SetValue(p[0], p[1], p[2]);
            const double* d = coordinate->GetComputedDoubleDisplayValue(ren);
            return QPointF(d[0] / dpr, height - d[1] / dpr);
        },
        &painter);
}

QRectF SurfaceAxes::extent(const Projection& widget) {
    return place(widget, nullptr);
}

QRectF SurfaceAxes::place(const Projection& widget, QPainter* painter) {
    const QPointF origin = widget({0, 0, 0});
    const QPointF centre = widget({axes_[0].end[0] / 2, axes_[1].end[1] / 2, axes_[2].end[2] / 2});
    const QFont labelFont = pixelFont(kLabelPixels), titleFont = pixelFont(kTitlePixels);
    const QFontMetricsF labelMetrics(labelFont), titleMetrics(titleFont);
    // Text placed so far this frame, with the axis it labels (−1: a title): a label that would overlap any
    // is left out; a title moves off every other axis' labels and the other titles.
    struct Taken {
        QRectF box;
        int axis;
    };
    std::vector<Taken> taken;
    const auto clearOf = [&](const QRectF& r, int ownAxis = -2) {
        return std::none_of(taken.begin(), taken.end(),
                            [&](const Taken& t) { return t.axis != ownAxis && t.box.intersects(r); });
    };
    if (painter) painter->save(), painter->setPen(kOverlayText);
    // Where each axis is on screen, and how far its labels stand out from it (for its title).
    struct Placed {
        bool shown = false;
        QPointF along, middle, normal;
        double reach = kLabelGap;
    };
    std::array<Placed, 3> placed;
    for (size_t k = 0; k < axes_.size(); ++k) {
        Axis& a = axes_[k];
        a.drawn.clear();
        a.titleDrawn = false;
        const QPointF end = widget(a.end);
        const QPointF along = end - origin;
        const double length = std::hypot(along.x(), along.y());
        if (!visible_ || !a.shown || length <= 20) continue;
        // The side of the axis away from the scene's centre.
        const QPointF middle = (origin + end) / 2;
        QPointF normal(-along.y() / length, along.x() / length);
        if (QPointF::dotProduct(normal, middle - centre) < 0) normal = -normal;
        placed[k] = {true, along, middle, normal, kLabelGap};
    }
    // Ticks inside every axis first, the ones at the shared origin last: an origin label ("0.0" of the
    // sparsity axis) gives way to another axis' tick instead of taking its place in that axis' column.
    if (painter) painter->setFont(labelFont);
    for (const bool atOrigin : {false, true})
        for (size_t k = 0; k < axes_.size(); ++k) {
            Axis& a = axes_[k];
            Placed& p = placed[k];
            if (!p.shown) continue;
            for (size_t i = 0; i < a.ticks.size(); ++i) {
                const double f = (a.ticks[i] - a.lo) / (a.hi - a.lo);
                if ((f < 1e-9) != atOrigin) continue;
                const QPointF at = widget({a.end[0] * f, a.end[1] * f, a.end[2] * f});
                const QSizeF size = labelMetrics.size(0, a.texts[i]);
                const double out = kLabelGap + std::fabs(p.normal.x()) * size.width() / 2 +
                                   std::fabs(p.normal.y()) * size.height() / 2;
                const QPointF c = at + p.normal * out;
                const QRectF box(c.x() - size.width() / 2, c.y() - size.height() / 2, size.width(),
                                 size.height());
                if (!clearOf(box)) continue;
                taken.push_back({box, int(k)});
                if (painter) painter->drawText(box, Qt::AlignCenter, a.texts[i]);
                a.drawn.push_back({a.texts[i], c});
                p.reach = std::max(p.reach, out + std::fabs(p.normal.x()) * size.width() / 2 +
                                                std::fabs(p.normal.y()) * size.height() / 2);
            }
        }
    for (size_t k = 0; k < axes_.size(); ++k) {
        Axis& a = axes_[k];
        const Placed& p = placed[k];
        if (!p.shown) continue;
        // The title beyond the labels, reading along the axis (upright), or bottom to top beside a steep one.
        double angle = std::atan2(p.along.y(), p.along.x()) * 180 / M_PI;
        if (std::fabs(angle) > 90) angle -= std::copysign(180.0, angle);
        if (std::fabs(angle) > 60) angle = -90;
        const QSizeF size = titleMetrics.size(0, a.title);
        const double rad = angle * M_PI / 180;
        // Half the title's extent along the normal, for its rotated box.
        const double half =
            std::fabs(p.normal.x() * std::cos(rad) + p.normal.y() * std::sin(rad)) * size.width() / 2 +
            std::fabs(-p.normal.x() * std::sin(rad) + p.normal.y() * std::cos(rad)) * size.height() / 2;
        // Its screen box (the rotated rectangle's bounds); moved further out while it would cover a label
        // or another title (after a turn "loss (nats)" lay over the sparsity ticks).
        const double w = std::fabs(std::cos(rad)) * size.width() + std::fabs(std::sin(rad)) * size.height();
        const double h = std::fabs(std::sin(rad)) * size.width() + std::fabs(std::cos(rad)) * size.height();
        double out = p.reach + kTitleGap + half;
        QRectF box;
        for (int step = 0; step < 8; ++step, out += 6) {
            a.titleAt = p.middle + p.normal * out;
            box = QRectF(a.titleAt.x() - w / 2, a.titleAt.y() - h / 2, w, h);
            if (clearOf(box, int(k))) break;
        }
        taken.push_back({box, -1});
        a.titleDrawn = true;
        a.titleBox = box;
        if (!painter) continue;
        painter->save();
        painter->setFont(titleFont);
        painter->translate(a.titleAt);
        painter->rotate(angle);
        painter->drawText(QRectF(-size.width() / 2, -size.height() / 2, size.width(), size.height()),
                          Qt::AlignCenter, a.title);
        painter->restore();
    }
    if (painter) painter->restore();
    // What the axes cover on screen: their lines (origin to each end) and every label and title.
    // (A rect of no width or height is null to united(): each line's box is given a pixel of each.)
    QRectF covered(origin, QSizeF(1, 1));
    for (size_t k = 0; k < axes_.size(); ++k)
        if (placed[k].shown)
            covered |= QRectF(origin, origin + placed[k].along).normalized().adjusted(-0.5, -0.5, 0.5, 0.5);
    for (const Taken& t : taken)
        covered |= t.box;
    return covered;
}

QString SurfaceAxes::title(int k) const {
    return axes_[k].titleDrawn ? axes_[k].title : QString();
}

QPointF SurfaceAxes::titlePosition(int k) const {
    return axes_[k].titleAt;
}

QRectF SurfaceAxes::titleBox(int k) const {
    return axes_[k].titleDrawn ? axes_[k].titleBox : QRectF();
}

} // namespace moescope
