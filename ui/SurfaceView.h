#pragma once
// The fitted isoFLOP surface L(log10 N, S) (or over N_a) at one budget, in VTK: cut along the runs' hull,
// coloured by loss, iso-loss contours, runs as spheres coloured by residual, S*(N) and N*(S) curves, the
// optimum; labelled axes, legend and colour bar painted over each frame by Qt; trackball camera, preset
// views (the flat ones parallel), and picking a sphere selects its run (the optimum first).
#include "core/fit/Analysis.h"

#include <QStringList>
#include <QWidget>

#include <array>
#include <memory>
#include <vector>

class QPainter;
class vtkObject;
class vtkPolyData;

namespace moescope {

class VtkWidget;

class SurfaceView : public QWidget {
    Q_OBJECT
public:
    explicit SurfaceView(QWidget* parent = nullptr);
    ~SurfaceView() override;

    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget);
    void setOverActive(bool overActive);
    // Grid cells a side the surface is computed, cut and contoured on (the toolbar's "Grid" choice).
    void setGridResolution(int n);
    int gridResolution() const { return grid_; }
    void selectRun(int runIndex);
    void resetView();
    enum class Preset { Perspective, Top, FrontN, SideS };
    void presetView(Preset p);

    VtkWidget* vtk() const { return vtk_; }
    // Display position (widget pixels, y down) of a run's sphere, for tests and hover.
    QPointF runPosition(int runIndex) const;
    int runAt(const QPointF& widgetPos, double radius = 12) const;
    // Display position of the optimum's sphere; negative when none is drawn. It is picked before any run.
    QPointF optimumPosition() const;
    bool optimumAt(const QPointF& widgetPos, double radius = 12) const;
    // The text hovering a point shows: the optimum's, a run's, or empty.
    QString hoverText(const QPointF& widgetPos) const;
    // Display position of the surface point at (params, sparsity); negative when nothing is drawn.
    QPointF surfacePosition(double params, double sparsity) const;
    // Where the surface has its minimum loss colour etc.: the lookup table's colour for a loss.
    QColor colourForLoss(double loss) const;
    double lossMin() const { return lossMin_; }
    double lossMax() const { return lossMax_; }
    QImage render(const QSize& size);
    // The surface's poly data, for tests: the same object for the life of the view. surfaceMesh() is the
    // whole grid, visibleSurface() what is drawn of it (cut along the runs' hull).
    vtkPolyData* surfaceMesh() const;
    vtkPolyData* visibleSurface() const;
    // What the frame draws of the surface: visibleSurface(), or while a drag turns a grid finer than 100
    // cells a side, the same cut of every second (third...) grid line.
    vtkPolyData* drawnSurface() const;
    // An axis title (0: N or N_a, 1: S, 2: loss) and where the last frame drew it (widget pixels, y down);
    // empty when the current view hides that axis.
    QString axisTitle(int axis) const;
    QPointF axisTitlePosition(int axis) const;
    QRectF axisTitleBox(int axis) const;
    QRectF legendBox() const; // where the legend is painted (empty without one)
    QList<QPair<QString, QPointF>> axisLabels(int axis) const; // tick labels drawn, and where
    QStringList legendEntries() const;

signals:
    void runPicked(int runIndex);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Pipeline;
    void rebuild();
    void placeHighlight();
    // Zooms and centres the camera so that the axes with their labels and titles fill the view.
    void fitToView();
    QPointF legendCorner() const; // where the legend's box goes (widget pixels)
    void paintOverlay(QPainter& painter);
    void cameraMoving(vtkObject*, unsigned long event, void*);
    struct Mapped {
        double x, y, z;
    };
    Mapped toScene(double logParams, double sparsity, double loss) const;
    QPointF toDisplay(double x, double y, double z) const;

    VtkWidget* vtk_;
    std::unique_ptr<Pipeline> p_;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    double budget_ = 0;
    bool overActive_ = false;
    int grid_ = 60;
    int selected_ = -1;
    bool framed_ = false;
    double xMin_ = 0, xMax_ = 1, sMin_ = 0, sMax_ = 1, lossMin_ = 0, lossMax_ = 1;
    std::vector<int> runIndices_;               // runs drawn, in sphere order
    std::vector<std::array<double, 3>> runXyz_; // their scene positions
    struct Optimum {
        bool shown = false;
        std::array<double, 3> xyz{};
        double params = 0, sparsity = 0, loss = 0; // params: N or N_a, as drawn
        bool predicted = false;                    // the law's, at a budget nobody ran
    } optimum_;
    Preset preset_ = Preset::Perspective;
    bool turned_ = false; // the camera moved by the user since the last preset
    QPoint pressPos_;
};

} // namespace moescope
