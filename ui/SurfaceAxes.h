#pragma once
// The 3D view's three labelled axes along the scene box's edges from its origin. Lines and ticks are one
// static VTK actor per axis; tick labels and titles are painted by Qt over each rendered frame, where their
// axis lies on screen: on the side away from the scene, labels that would overlap left out, titles beyond
// the labels. (vtkCubeAxesActor and VTK text actors re-rasterise every label whose position changes, which
// cost a rotation on llvmpipe a quarter of its frame rate, and the cube axes' 2D titles sit on the labels of
// any axis that is not the x or y of a flat plot.)
#include <QPointF>
#include <QRectF>
#include <QString>

#include <vtkActor.h>
#include <vtkSmartPointer.h>

#include <array>
#include <functional>
#include <vector>

class QPainter;
class vtkRenderer;

namespace moescope {

class SurfaceAxes {
public:
    // Axis k runs from the origin to `ends[k]` in scene coordinates.
    SurfaceAxes(vtkRenderer* renderer, const std::array<std::array<double, 3>, 3>& ends);

    // Data range and title of axis k; its ticks are rounded values inside the range.
    void setAxis(int k, double lo, double hi, const QString& title);
    void setShown(const std::array<bool, 3>& shown);
    void setVisible(bool visible); // everything, e.g. while there is no surface
    // Paints labels and titles for the frame `renderer` has just rendered (painter in widget pixels).
    void paint(QPainter& painter, vtkRenderer* renderer, double devicePixelRatio, double widgetHeight);
    // World point (scene coordinates) to widget pixels.
    using Projection = std::function<QPointF(const std::array<double, 3>&)>;
    // What the axes, their labels and titles would cover on screen through `projection`, painting nothing:
    // the camera frames the scene by it (labels and titles are painted beyond the scene's box).
    QRectF extent(const Projection& projection);

    // What the last paint drew, in widget pixels: an axis title (empty when hidden) and the tick labels.
    QString title(int k) const;
    QPointF titlePosition(int k) const;
    QRectF titleBox(int k) const; // its bounds on screen, as rotated
    struct Label {
        QString text;
        QPointF at;
    };
    const std::vector<Label>& labels(int k) const { return axes_[k].drawn; }

private:
    struct Axis {
        std::array<double, 3> end{};
        double lo = 0, hi = 1;
        QString title;
        std::vector<double> ticks; // data values
        std::vector<QString> texts;
        vtkSmartPointer<vtkActor> line;
        bool shown = true;
        bool titleDrawn = false;
        QPointF titleAt;
        QRectF titleBox;
        std::vector<Label> drawn;
    };
    void rebuildLine(Axis& axis, int k);
    // Places (and paints, with a painter) the labels and titles; returns what they and the axes cover.
    QRectF place(const Projection& projection, QPainter* painter);
    std::array<Axis, 3> axes_;
    bool visible_ = false;
};

} // namespace moescope
