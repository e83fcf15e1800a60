#include "ui/SurfaceView.h"

#include "core/fit/Frontier.h"

#include "ui/SurfaceAxes.h"
#include "ui/SurfaceGrid.h"
#include "ui/SurfaceLegend.h"
#include "ui/VtkWidget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QPainter>
#include <QSignalBlocker>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkAlgorithmOutput.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkClipPolyData.h>
#include <vtkColorTransferFunction.h>
#include <vtkCommand.h>
#include <vtkContourFilter.h>
#include <vtkCoordinate.h>
#include <vtkDataObject.h>
#include <vtkDoubleArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorObserver.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkNonMergingPointLocator.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyLine.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace moescope {

namespace {

// The marks' colours, drawn by VTK and named in the legend.
constexpr std::array<double, 3> kOptimumRgb{0.9, 0.1, 0.9}, kAboveRgb{0.85, 0.15, 0.15},
    kBelowRgb{0.15, 0.35, 0.85};
QColor qColour(const std::array<double, 3>& rgb) {
    return QColor::fromRgbF(float(rgb[0]), float(rgb[1]), float(rgb[2]));
}

constexpr double kHeight = 0.6; // loss axis height relative to the unit square of (N, S)

// Viridis-like ramp for loss, low = dark blue, high = yellow.
vtkSmartPointer<vtkLookupTable> lossTable(double lo, double hi) {
    vtkNew<vtkColorTransferFunction> ctf;
    ctf->AddRGBPoint(0.0, 0.267, 0.005, 0.329);
    ctf->AddRGBPoint(0.25, 0.230, 0.322, 0.546);
    ctf->AddRGBPoint(0.5, 0.128, 0.567, 0.551);
    ctf->AddRGBPoint(0.75, 0.369, 0.789, 0.383);
    ctf->AddRGBPoint(1.0, 0.993, 0.906, 0.144);
    auto lut = vtkSmartPointer<vtkLookupTable>::New();
    lut->SetNumberOfTableValues(256);
    for (int i = 0; i < 256; ++i) {
        double rgb[3];
        ctf->GetColor(i / 255.0, rgb);
        lut->SetTableValue(i, rgb[0], rgb[1], rgb[2], 1.0);
    }
    lut->SetRange(lo, hi);
    lut->Build();
    return lut;
}

// Fills a polyline's poly data in place.
void setPolyline(vtkPolyData* poly, const std::vector<std::array<double, 3>>& pts) {
    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> lines;
    if (pts.size() > 1) {
        vtkNew<vtkPolyLine> line;
        line->GetPointIds()->SetNumberOfIds(static_cast<vtkIdType>(pts.size()));
        for (size_t i = 0; i < pts.size(); ++i) {
            points->InsertNextPoint(pts[i].data());
            line->GetPointIds()->SetId(static_cast<vtkIdType>(i), static_cast<vtkIdType>(i));
        }
        lines->InsertNextCell(line);
    }
    poly->SetPoints(points);
    poly->SetLines(lines);
}

vtkSmartPointer<vtkActor> actorOf(vtkAlgorithmOutput* port) {
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(port);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    return actor;
}

vtkSmartPointer<vtkActor> actorOf(vtkPolyData* data) {
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(data);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    return actor;
}

// A grid finer than this many cells a side is drawn at every second (third...) grid line while the camera
// moves: llvmpipe's cost is per triangle, and 200 x 200 cells were most of a turning frame.
constexpr int kMovingCells = 100;

// The loss range of a surface over its own data box, at grid points no more than a cell outside its hull.
std::pair<double, double> lossRangeNearHull(const IsoflopSurface& surface, int n) {
    double lo = 1e300, hi = -1e300;
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
            const double lx =
                surface.minLogParams() + (surface.maxLogParams() - surface.minLogParams()) * i / n;
            const double s = surface.minSparsity() + (surface.maxSparsity() - surface.minSparsity()) * j / n;
            if (surface.hullMargin(lx, s) < -1.5 / n) continue;
            const double l = surface.loss(std::exp(lx), s);
            lo = std::min(lo, l), hi = std::max(hi, l);
        }
    return {lo, hi};
}

vtkSmartPointer<vtkSphereSource> sphere(double radius) {
    auto source = vtkSmartPointer<vtkSphereSource>::New();
    source->SetRadius(radius);
    source->SetThetaResolution(20);
    source->SetPhiResolution(14);
    return source;
}
} // namespace

// Every VTK object of the scene, made and connected once (VTK's way: a pipeline whose inputs and
// properties change, never torn down); rebuild() refills the poly data and the ranges.
struct SurfaceView::Pipeline {
    vtkNew<vtkPolyData> mesh, runs, sStar, nStar;
    vtkNew<vtkClipPolyData> clip; // the grid cut along the runs' hull, between grid points
    // Drawn instead of the mesh while the camera moves, when the grid is finer than kMovingCells.
    vtkNew<vtkPolyData> coarseMesh;
    vtkNew<vtkClipPolyData> coarseClip;
    bool hasCoarse = false, moving = false;
    vtkNew<vtkContourFilter> contours;
    vtkSmartPointer<vtkLookupTable> lossLut = lossTable(0, 1);
    vtkNew<vtkColorTransferFunction> residualColours;
    vtkSmartPointer<vtkSphereSource> optimumSphere = sphere(0.025), highlightSphere = sphere(0.022);
    vtkSmartPointer<vtkActor> meshActor, coarseActor, contourActor, runActor, sStarActor, nStarActor,
        optimumActor, highlightActor;
    SurfaceAxes axes;
    std::vector<LegendEntry> legend; // what the curves, the optimum and the spheres' colours mean
    bool shown = false;

    explicit Pipeline(vtkRenderer* ren) : axes(ren, {{{1, 0, 0}, {0, 1, 0}, {0, 0, kHeight}}}) {
        meshActor = surfaceActor(mesh, clip);
        coarseActor = surfaceActor(coarseMesh, coarseClip);

        // Iso-loss contours, lifted a hair so they are not hidden in the surface.
        contours->SetInputConnection(clip->GetOutputPort());
        // Each new budget's surface is cut and contoured in the frame that shows it: the default locator's
        // point merging was most of that work, and a picture needs no shared points.
        contours->SetLocator(vtkNew<vtkNonMergingPointLocator>());
        contours->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_POINTS, "loss");
        contourActor = actorOf(contours->GetOutputPort());
        contourActor->GetMapper()->ScalarVisibilityOff();
        contourActor->GetProperty()->SetColor(0.1, 0.1, 0.1);
        // One pixel wide: VTK draws wider lines in a core profile through a geometry shader, which cost
        // llvmpipe a millisecond a frame for these ten curves.
        contourActor->GetProperty()->SetLineWidth(1.0f);
        contourActor->GetProperty()->SetLighting(false);
        contourActor->SetPosition(0, 0, 0.002);

        // Runs as sphere impostors (points shaded as spheres in the fragment shader) in one mapper: a
        // thousand of them cost a few thousand fragments instead of a thousand actors.
        runActor = actorOf(runs);
        runActor->GetMapper()->SetLookupTable(residualColours);
        runActor->GetMapper()->SetColorModeToMapScalars();
        runActor->GetProperty()->SetRepresentationToPoints();
        runActor->GetProperty()->SetRenderPointsAsSpheres(true);
        runActor->GetProperty()->SetPointSize(9);

        sStarActor = actorOf(sStar);
        nStarActor = actorOf(nStar);
        for (auto [actor, grey] : {std::pair{sStarActor.Get(), 1.0}, std::pair{nStarActor.Get(), 0.0}}) {
            actor->GetProperty()->SetColor(grey, grey, grey);
            actor->GetProperty()->SetLineWidth(3);
            actor->GetProperty()->SetLighting(false);
        }
        optimumActor = actorOf(optimumSphere->GetOutputPort());
        optimumActor->GetProperty()->SetColor(kOptimumRgb[0], kOptimumRgb[1], kOptimumRgb[2]);
        highlightActor = actorOf(highlightSphere->GetOutputPort());
        // Opaque: one translucent actor sends every frame through VTK's translucent pass, which halves the
        // frame rate on llvmpipe (bench_explorer).
        highlightActor->GetProperty()->SetColor(1.0, 0.6, 0.0);

        for (vtkActor* a : {meshActor.Get(), coarseActor.Get(), contourActor.Get(), runActor.Get(),
                            sStarActor.Get(), nStarActor.Get(), optimumActor.Get(), highlightActor.Get()})
            ren->AddActor(a);
        show(false);
    }

    // The grid cut along the hull, its colours lit already (litColours): drawn unlit, the mesh costs llvmpipe
    // a fraction of its fragment work while the view turns.
    static vtkSmartPointer<vtkActor> surfaceActor(vtkPolyData* grid, vtkClipPolyData* cut) {
        cut->SetInputData(grid);
        cut->SetValue(0);
        cut->SetLocator(vtkNew<vtkNonMergingPointLocator>()); // see the contours' locator
        auto actor = actorOf(cut->GetOutputPort());
        auto* mapper = actor->GetMapper();
        mapper->SetColorModeToDirectScalars();
        mapper->SetScalarModeToUsePointFieldData();
        mapper->SelectColorArray("lit");
        actor->GetProperty()->SetLighting(false);
        return actor;
    }

    void showSurface() {
        const bool coarse = moving && hasCoarse;
        meshActor->SetVisibility(shown && !coarse);
        coarseActor->SetVisibility(shown && coarse);
    }

    void show(bool visible) {
        for (vtkProp* p : {static_cast<vtkProp*>(contourActor), static_cast<vtkProp*>(runActor),
                           static_cast<vtkProp*>(sStarActor), static_cast<vtkProp*>(nStarActor),
                           static_cast<vtkProp*>(optimumActor), static_cast<vtkProp*>(highlightActor)})
            p->SetVisibility(visible);
        axes.setVisible(visible);
        shown = visible;
        showSurface();
    }
};

SurfaceView::~SurfaceView() {
    vtk_->interactor()->GetInteractorStyle()->RemoveObservers(vtkCommand::StartInteractionEvent);
    vtk_->interactor()->GetInteractorStyle()->RemoveObservers(vtkCommand::EndInteractionEvent);
}

vtkPolyData* SurfaceView::surfaceMesh() const {
    return p_->mesh;
}

vtkPolyData* SurfaceView::visibleSurface() const {
    p_->clip->Update();
    return p_->clip->GetOutput();
}

vtkPolyData* SurfaceView::drawnSurface() const {
    vtkClipPolyData* cut = p_->coarseActor->GetVisibility() ? p_->coarseClip.Get() : p_->clip.Get();
    cut->Update();
    return cut->GetOutput();
}

void SurfaceView::cameraMoving(vtkObject*, unsigned long event, void*) {
    p_->moving = event == vtkCommand::StartInteractionEvent;
    if (p_->moving) turned_ = true; // the user's view from now on: a resize no longer reframes it
    p_->showSurface();
    if (!p_->moving) vtk_->update(); // the still view in full detail
}

QString SurfaceView::axisTitle(int axis) const {
    return p_->axes.title(axis);
}

QPointF SurfaceView::axisTitlePosition(int axis) const {
    return p_->axes.titlePosition(axis);
}

QRectF SurfaceView::axisTitleBox(int axis) const {
    return p_->axes.titleBox(axis);
}

QRectF SurfaceView::legendBox() const {
    return p_->shown ? QRectF(legendCorner(), legendSize(p_->legend)) : QRectF();
}

QList<QPair<QString, QPointF>> SurfaceView::axisLabels(int axis) const {
    QList<QPair<QString, QPointF>> out;
    for (const auto& l : p_->axes.labels(axis))
        out.append({l.text, l.at});
    return out;
}

void SurfaceView::paintOverlay(QPainter& painter) {
    if (!p_->shown) return;
    painter.setRenderHint(QPainter::TextAntialiasing);
    p_->axes.paint(painter, vtk_->renderer(), vtk_->devicePixelRatioF(), vtk_->height());
    paintLegend(painter, p_->legend, legendCorner());
    const double h = vtk_->height(), w = vtk_->width();
    paintColourBar(
        painter, QRectF(w - 90, h * 0.2 + 20, 22, h * 0.6 - 20),
        [this](double loss) { return colourForLoss(loss); }, lossMin_, lossMax_, tr("loss (nats)"));
}

QStringList SurfaceView::legendEntries() const {
    QStringList entries;
    if (p_->shown)
        for (const auto& e : p_->legend)
            entries << e.text;
    return entries;
}

SurfaceView::SurfaceView(QWidget* parent) : QWidget(parent), vtk_(new VtkWidget) {
    auto* bar = new QHBoxLayout;
    auto button = [&](const QString& text, const QString& tip, auto fn) {
        auto* b = new QToolButton;
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, this, fn);
        bar->addWidget(b);
    };
    button(tr("Reset"), tr("Reset the camera"), [this] { resetView(); });
    button(tr("3D"), tr("Perspective view"), [this] { presetView(Preset::Perspective); });
    button(tr("Top"), tr("Look down on (N, S): the loss map"), [this] { presetView(Preset::Top); });
    button(tr("L–N"), tr("Loss against N"), [this] { presetView(Preset::FrontN); });
    button(tr("L–S"), tr("Loss against sparsity"), [this] { presetView(Preset::SideS); });
    auto* active = new QToolButton;
    active->setText(tr("over N_a"));
    active->setCheckable(true);
    active->setToolTip(tr("Show the surface over active parameters instead of total parameters"));
    connect(active, &QToolButton::toggled, this, &SurfaceView::setOverActive);
    bar->addWidget(active);
    auto* grid = new QComboBox;
    grid->setObjectName("gridResolution");
    for (const int n : {60, 120, 200})
        grid->addItem(tr("grid %1").arg(n), n);
    grid->setToolTip(tr("Grid lines a side the surface is computed on: a finer grid follows the runs' hull "
                        "and the relief more closely (and exports at that detail); while a drag turns a grid "
                        "finer than %1, every second line is drawn")
                         .arg(kMovingCells));
    connect(grid, &QComboBox::currentIndexChanged, this,
            [this, grid](int i) { setGridResolution(grid->itemData(i).toInt()); });
    bar->addWidget(grid);
    bar->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(vtk_, 1);
    vtk_->installEventFilter(this);
    vtk_->renderer()->SetBackground(1, 1, 1);
    p_ = std::make_unique<Pipeline>(vtk_->renderer());
    // A drag (or wheel step) of the trackball starts and ends an interaction.
    vtkInteractorObserver* style = vtk_->interactor()->GetInteractorStyle();
    style->AddObserver(vtkCommand::StartInteractionEvent, this, &SurfaceView::cameraMoving);
    style->AddObserver(vtkCommand::EndInteractionEvent, this, &SurfaceView::cameraMoving);
    vtk_->setOverlay([this](QPainter& painter) { paintOverlay(painter); });
}

SurfaceView::Mapped SurfaceView::toScene(double lx, double s, double loss) const {
    return {(lx - xMin_) / std::max(1e-12, xMax_ - xMin_), (s - sMin_) / std::max(1e-12, sMax_ - sMin_),
            kHeight * (loss - lossMin_) / std::max(1e-12, lossMax_ - lossMin_)};
}

void SurfaceView::setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget) {
    snapshot_ = std::move(snapshot);
    budget_ = budget;
    rebuild();
}

void SurfaceView::setGridResolution(int n) {
    if (n == grid_) return;
    grid_ = n;
    if (auto* choice = findChild<QComboBox*>("gridResolution")) {
        const QSignalBlocker quiet(choice);
        if (choice->findData(n) < 0) choice->addItem(tr("grid %1").arg(n), n);
        choice->setCurrentIndex(choice->findData(n));
    }
    if (snapshot_) rebuild();
}

void SurfaceView::setOverActive(bool overActive) {
    overActive_ = overActive;
    rebuild();
}

void SurfaceView::rebuild() {
    Pipeline& p = *p_;
    runIndices_.clear();
    runXyz_.clear();
    const BudgetAnalysis* a = snapshot_ ? snapshot_->budget(budget_) : nullptr;
    if (!a || (overActive_ && !a->activeSurface)) {
        p.show(false);
        vtk_->update();
        return;
    }
    p.show(true);
    const IsoflopSurface& surface = overActive_ ? *a->activeSurface : a->surface;
    // A budget nobody ran: the fitted law's own surface at it, around its predicted optima (no runs to show).
    const LawFrontier* law = a->budget != budget_ && !overActive_
                                 ? dynamic_cast<const LawFrontier*>(snapshot_->frontier(snapshot_->lawId))
                                 : nullptr;
    std::vector<FrontierPoint> predicted;
    if (law) try {
            for (double s : law->sparsities())
                predicted.push_back(law->at(budget_, s, INFINITY));
        } catch (const FrontierError&) {
            law = nullptr, predicted.clear();
        }
    auto lossAt = [&](double params, double s) {
        return law ? law->lossValue(params, s, budget_) : surface.loss(params, s);
    };
    xMin_ = surface.minLogParams() / std::log(10.0);
    xMax_ = surface.maxLogParams() / std::log(10.0);
    sMin_ = surface.minSparsity();
    sMax_ = std::max(surface.maxSparsity(), sMin_ + 1e-3);
    if (law) {
        xMin_ = 1e300, xMax_ = -1e300;
        for (const auto& o : predicted)
            xMin_ = std::min(xMin_, std::log10(o.params.value) - 1),
            xMax_ = std::max(xMax_, std::log10(o.params.value) + 1);
        sMin_ = predicted.front().sparsity;
        sMax_ = std::max(predicted.back().sparsity, sMin_ + 1e-3);
    }
    // Every grid point carries its margin inside the runs' hull; the clip filter cuts the grid where the
    // margin crosses zero. Beyond the data a polynomial extrapolates, and a picture should not suggest
    // knowledge nobody has. A law's surface at an unswept budget has no hull.
    const int n = grid_;
    vtkNew<vtkPoints> points;
    vtkNew<vtkDoubleArray> scalars, margins;
    scalars->SetName("loss");
    margins->SetName("hull");
    std::vector<double> grid((n + 1) * (n + 1));
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
            const double lx = xMin_ + (xMax_ - xMin_) * i / n, s = sMin_ + (sMax_ - sMin_) * j / n;
            grid[i * (n + 1) + j] = lossAt(std::pow(10.0, lx), s);
        }
    // One colour range per budget, whichever of N and N_a the surface is drawn over: the total-parameter
    // surface near its hull, and the runs, so every run sits inside the coloured box.
    lossMin_ = 1e300, lossMax_ = -1e300;
    if (law) {
        for (const double l : grid)
            lossMin_ = std::min(lossMin_, l), lossMax_ = std::max(lossMax_, l);
    } else {
        std::tie(lossMin_, lossMax_) = lossRangeNearHull(a->surface, n);
        for (const auto& pt : a->points)
            lossMin_ = std::min(lossMin_, pt.loss), lossMax_ = std::max(lossMax_, pt.loss);
    }
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
            const double lx = xMin_ + (xMax_ - xMin_) * i / n, s = sMin_ + (sMax_ - sMin_) * j / n;
            const double l = grid[i * (n + 1) + j];
            const Mapped m = toScene(lx, s, l);
            points->InsertNextPoint(m.x, m.y, m.z);
            scalars->InsertNextValue(l);
            margins->InsertNextValue(law ? 1.0 : surface.hullMargin(lx * std::log(10.0), s));
        }
    p.lossLut->SetRange(lossMin_, lossMax_);
    p.mesh->SetPoints(points);
    p.mesh->SetPolys(gridQuads(n));
    // The clip filter of VTK 9.1 cuts by the active scalars: the margin is active, the loss rides along.
    p.mesh->GetPointData()->SetScalars(margins);
    p.mesh->GetPointData()->AddArray(scalars);
    p.mesh->GetPointData()->AddArray(litColours(points, scalars, p.lossLut, n));
    p.contours->GenerateValues(10, lossMin_, lossMax_);
    p.hasCoarse = n > kMovingCells;
    if (p.hasCoarse) takeEveryNth(p.mesh, n, (n + kMovingCells - 1) / kMovingCells, p.coarseMesh);
    p.showSurface();

    // Runs of this budget coloured by residual (blue: below the fit, red: above).
    vtkNew<vtkPoints> runPoints;
    vtkNew<vtkDoubleArray> residuals;
    residuals->SetName("residual");
    double maxAbs = 1e-9;
    for (const int i : law ? std::vector<int>{} : snapshot_->runsOfBudget(a->budget)) {
        const Run& r = snapshot_->runs.runs[i];
        const double params = overActive_ ? r.get(Field::ActiveParams) : r.get(Field::Params);
        const double s = r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0;
        const Mapped m = toScene(std::log10(params), s, r.get(Field::Loss));
        runPoints->InsertNextPoint(m.x, m.y, m.z);
        runXyz_.push_back({m.x, m.y, m.z});
        runIndices_.push_back(i);
        const double res = r.get(Field::Loss) - surface.loss(params, s);
        residuals->InsertNextValue(res);
        maxAbs = std::max(maxAbs, std::fabs(res));
    }
    vtkNew<vtkCellArray> vertices;
    for (vtkIdType k = 0; k < runPoints->GetNumberOfPoints(); ++k)
        vertices->InsertNextCell(1, &k);
    p.runs->SetPoints(runPoints);
    p.runs->SetVerts(vertices);
    p.runs->GetPointData()->SetScalars(residuals);
    p.residualColours->RemoveAllPoints();
    p.residualColours->AddRGBPoint(-maxAbs, kBelowRgb[0], kBelowRgb[1], kBelowRgb[2]);
    p.residualColours->AddRGBPoint(0, 0.92, 0.92, 0.92);
    p.residualColours->AddRGBPoint(maxAbs, kAboveRgb[0], kAboveRgb[1], kAboveRgb[2]);
    p.runActor->GetMapper()->SetScalarRange(-maxAbs, maxAbs);

    // S*(N) (white) and N*(S) (black) on the surface, and the optimum (magenta).
    std::vector<std::array<double, 3>> sCurve, nCurve;
    if (!overActive_ && !law)
        for (const auto& pt : a->sStar) {
            const Mapped m = toScene(std::log10(pt.params), pt.sparsity.value, pt.loss.value);
            sCurve.push_back({m.x, m.y, m.z + 0.004});
        }
    setPolyline(p.sStar, sCurve);
    p.sStarActor->SetVisibility(sCurve.size() > 1);
    std::vector<std::pair<double, double>> nStar; // (N or N_a, S)
    for (const auto& pt : a->nStar)
        if (!law) nStar.emplace_back(overActive_ ? pt.activeParams.value : pt.params.value, pt.sparsity);
    for (const auto& pt : predicted)
        nStar.emplace_back(pt.params.value, pt.sparsity);
    for (const auto& [params, s] : nStar) {
        if (!(params > 0)) continue;
        const Mapped m = toScene(std::log10(params), s, lossAt(params, s));
        nCurve.push_back({m.x, m.y, m.z + 0.004});
    }
    setPolyline(p.nStar, nCurve);
    p.nStarActor->SetVisibility(nCurve.size() > 1);
    double optParams = overActive_ ? a->optimum.activeParams.value : a->optimum.params.value;
    double optSparsity = a->optimum.sparsity.value;
    if (law) {
        const auto best =
            std::min_element(predicted.begin(), predicted.end(),
                             [](const auto& u, const auto& v) { return u.loss.value < v.loss.value; });
        optParams = best->params.value, optSparsity = best->sparsity;
    }
    optimum_ = {};
    if (optParams > 0) {
        const double optLoss = lossAt(optParams, optSparsity);
        const Mapped m = toScene(std::log10(optParams), optSparsity, optLoss);
        optimum_ = {true, {m.x, m.y, m.z}, optParams, optSparsity, optLoss, law != nullptr};
        p.optimumSphere->SetCenter(m.x, m.y, m.z);
    }
    p.optimumActor->SetVisibility(optimum_.shown);
    placeHighlight();

    p.legend.clear();
    if (sCurve.size() > 1)
        p.legend.push_back({tr("S*(N): best sparsity at each N"), Qt::white, LegendEntry::Line});
    if (nCurve.size() > 1)
        p.legend.push_back(
            {overActive_ ? tr("N_a*(S): best active size at each S") : tr("N*(S): best size at each S"),
             Qt::black, LegendEntry::Line});
    if (optimum_.shown)
        p.legend.push_back({law ? tr("predicted optimum") : tr("this budget's isoFLOP optimum"),
                            qColour(kOptimumRgb), LegendEntry::Disc});
    if (!runIndices_.empty()) {
        p.legend.push_back({tr("run above the fit"), qColour(kAboveRgb), LegendEntry::Disc});
        p.legend.push_back({tr("run below the fit"), qColour(kBelowRgb), LegendEntry::Disc});
    }

    p.axes.setAxis(0, xMin_, xMax_,
                   overActive_ ? tr("log10 N_a (active parameters)") : tr("log10 N (total parameters)"));
    p.axes.setAxis(1, sMin_, sMax_, tr("sparsity S"));
    p.axes.setAxis(2, lossMin_, lossMax_, tr("loss (nats)"));
    if (!framed_) {
        framed_ = true; // the camera frames the first scene; later ones keep the user's view
        presetView(Preset::Perspective);
    }
    vtk_->update();
}

void SurfaceView::placeHighlight() {
    bool shown = false;
    for (size_t k = 0; k < runIndices_.size() && !shown; ++k)
        if (runIndices_[k] == selected_) {
            p_->highlightSphere->SetCenter(runXyz_[k].data());
            shown = true;
        }
    p_->highlightActor->SetVisibility(shown);
}

void SurfaceView::presetView(Preset p) {
    preset_ = p;
    turned_ = false;
    vtkCamera* cam = vtk_->renderer()->GetActiveCamera();
    cam->SetViewAngle(30);
    cam->SetWindowCenter(0, 0);
    cam->SetFocalPoint(0.5, 0.5, kHeight / 2);
    cam->SetViewUp(0, 0, 1);
    // The three flat views are projections, drawn without perspective so that they read like charts, and
    // without the axis that points at the viewer (its labels would pile up on one spot).
    cam->SetParallelProjection(p != Preset::Perspective);
    p_->axes.setShown({p != Preset::SideS, p != Preset::FrontN, p != Preset::Top});
    switch (p) {
    case Preset::Perspective:
        cam->SetPosition(2.2, -1.6, 1.9);
        break;
    case Preset::Top:
        cam->SetPosition(0.5, 0.5, 3.5);
        cam->SetViewUp(0, 1, 0);
        break;
    case Preset::FrontN:
        cam->SetPosition(0.5, -3.0, kHeight / 2);
        break;
    case Preset::SideS:
        cam->SetPosition(3.5, 0.5, kHeight / 2);
        break;
    }
    vtk_->renderer()->ResetCamera();
    fitToView();
    vtk_->renderer()->ResetCameraClippingRange();
    vtk_->update();
}

QPointF SurfaceView::legendCorner() const {
    // A column of its own between the scene and the colour bar (and its title): at the top left it lay on
    // the loss axis of the 3D view. The scene is taller than wide in a wide view, so this costs it nothing.
    constexpr double kColourBarRoom = 125;
    return {std::max(10.0, vtk_->width() - kColourBarRoom - legendSize(p_->legend).width()), 10};
}

void SurfaceView::fitToView() {
    // ResetCamera fits the scene's bounding sphere to the view's height; the tick labels and titles painted
    // beyond the axes then fell outside a wide, short view ("log10 N (total parameters)" at 1366×768). The
    // box the axes, labels and titles cover is fitted to the view instead, left of the colour bar: zoom
    // and the window centre, a few passes (labels keep their pixel size while the scene scales).
    const double w = vtk_->width(), h = vtk_->height();
    if (w < 120 || h < 120) return;
    constexpr double kEdge = 6;
    const QRectF room(kEdge, kEdge, std::max(60.0, legendCorner().x() - 2 * kEdge), h - 2 * kEdge);
    vtkCamera* cam = vtk_->renderer()->GetActiveCamera();
    for (int pass = 0; pass < 4; ++pass) {
        vtkMatrix4x4* m = cam->GetCompositeProjectionTransformMatrix(w / h, -1, 1);
        const auto widget = [m, w, h](const std::array<double, 3>& p) {
            const double in[4] = {p[0], p[1], p[2], 1};
            double out[4];
            m->MultiplyPoint(in, out);
            return QPointF((out[0] / out[3] + 1) * w / 2, (1 - out[1] / out[3]) * h / 2);
        };
        QRectF used = p_->axes.extent(widget);
        for (double x : {0.0, 1.0})
            for (double y : {0.0, 1.0})
                for (double z : {0.0, kHeight})
                    used |= QRectF(widget({x, y, z}), QSizeF(1, 1)); // a null rect would not count
        if (!(used.width() > 1 && used.height() > 1)) return;
        const double scale = std::min(room.width() / used.width(), room.height() / used.height());
        const QPointF off = used.center() - room.center();
        if (std::fabs(scale - 1) < 0.02 && std::hypot(off.x(), off.y()) < 2) break;
        double centre[2];
        cam->GetWindowCenter(centre);
        cam->SetWindowCenter(centre[0] + 2 * off.x() / w, centre[1] - 2 * off.y() / h);
        cam->Zoom(scale);
    }
}

void SurfaceView::resetView() {
    presetView(Preset::Perspective);
}

void SurfaceView::selectRun(int runIndex) {
    if (selected_ == runIndex) return;
    selected_ = runIndex;
    // Only the highlight moves: the surface, contours and runs stay as they are.
    placeHighlight();
    vtk_->update();
}

QPointF SurfaceView::toDisplay(double x, double y, double z) const {
    vtkNew<vtkCoordinate> c;
    c->SetCoordinateSystemToWorld();
    c->SetValue(x, y, z);
    const double* d = c->GetComputedDoubleDisplayValue(vtk_->renderer());
    const qreal dpr = vtk_->devicePixelRatioF();
    return {d[0] / dpr, vtk_->height() - d[1] / dpr};
}

QPointF SurfaceView::runPosition(int runIndex) const {
    for (size_t k = 0; k < runIndices_.size(); ++k)
        if (runIndices_[k] == runIndex) return toDisplay(runXyz_[k][0], runXyz_[k][1], runXyz_[k][2]);
    return {-1, -1};
}

QPointF SurfaceView::surfacePosition(double params, double sparsity) const {
    const BudgetAnalysis* a = snapshot_ ? snapshot_->budget(budget_) : nullptr;
    if (!a) return {-1, -1};
    const IsoflopSurface& s = overActive_ && a->activeSurface ? *a->activeSurface : a->surface;
    const Mapped m = toScene(std::log10(params), sparsity, s.loss(params, sparsity));
    return toDisplay(m.x, m.y, m.z);
}

int SurfaceView::runAt(const QPointF& pos, double radius) const {
    int best = -1;
    double bestDist = radius;
    for (int run : runIndices_) {
        const QPointF p = runPosition(run);
        const double dist = std::hypot(p.x() - pos.x(), p.y() - pos.y());
        if (dist < bestDist) bestDist = dist, best = run;
    }
    return best;
}

QColor SurfaceView::colourForLoss(double loss) const {
    double rgb[3];
    p_->lossLut->GetColor(loss, rgb);
    return QColor::fromRgbF(float(rgb[0]), float(rgb[1]), float(rgb[2]));
}

QImage SurfaceView::render(const QSize& size) {
    const QSize old = vtk_->size();
    if (size.isValid() && size != old) vtk_->resize(size);
    QImage image = vtk_->grabScene();
    if (size.isValid() && size != old) vtk_->resize(old);
    return image;
}

QPointF SurfaceView::optimumPosition() const {
    if (!optimum_.shown) return {-1, -1};
    return toDisplay(optimum_.xyz[0], optimum_.xyz[1], optimum_.xyz[2]);
}

bool SurfaceView::optimumAt(const QPointF& pos, double radius) const {
    if (!optimum_.shown) return false;
    const QPointF o = optimumPosition();
    return std::hypot(o.x() - pos.x(), o.y() - pos.y()) < radius;
}

QString SurfaceView::hoverText(const QPointF& pos) const {
    if (!snapshot_) return {};
    // The optimum is drawn over the runs near it, so it is what the pointer is on.
    if (optimumAt(pos))
        return tr("%1: %2 %3, S %4, loss %5")
            .arg(optimum_.predicted ? tr("predicted optimum") : tr("this budget's isoFLOP optimum"))
            .arg(overActive_ ? "N_a" : "N")
            .arg(optimum_.params, 0, 'g', 4)
            .arg(optimum_.sparsity, 0, 'g', 4)
            .arg(optimum_.loss, 0, 'f', 4);
    const int run = runAt(pos, 8);
    if (run < 0) return {};
    const Run& r = snapshot_->runs.runs[run];
    return tr("run %1: N %2, N_a %3, S %4, D %5, loss %6")
        .arg(run + 1)
        .arg(r.get(Field::Params), 0, 'g', 4)
        .arg(r.get(Field::ActiveParams), 0, 'g', 4)
        .arg(r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0, 0, 'g', 4)
        .arg(r.get(Field::Tokens), 0, 'g', 4)
        .arg(r.get(Field::Loss), 0, 'f', 4);
}

bool SurfaceView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == vtk_) {
        // A preset's framing follows the view's size until the user turns the camera.
        if (event->type() == QEvent::Resize && framed_ && !turned_) presetView(preset_);
        if (event->type() == QEvent::MouseButtonPress) pressPos_ = static_cast<QMouseEvent*>(event)->pos();
        if (event->type() == QEvent::MouseButtonRelease) {
            auto* e = static_cast<QMouseEvent*>(event);
            // A click (not a drag that rotated the camera) on a sphere picks its run; on the optimum,
            // nothing.
            if ((e->pos() - pressPos_).manhattanLength() < 4 && !optimumAt(e->position())) {
                const int run = runAt(e->position());
                if (run >= 0) {
                    selectRun(run);
                    emit runPicked(run);
                }
            }
        }
        if (event->type() == QEvent::MouseMove) {
            auto* e = static_cast<QMouseEvent*>(event);
            // Rotating away from a flat view brings back the axis it hid.
            if (e->buttons() != Qt::NoButton && preset_ != Preset::Perspective &&
                (e->pos() - pressPos_).manhattanLength() >= 4) {
                preset_ = Preset::Perspective;
                p_->axes.setShown({true, true, true});
            }
            const QString text = e->buttons() == Qt::NoButton ? hoverText(e->position()) : QString();
            if (!text.isEmpty()) QToolTip::showText(e->globalPosition().toPoint(), text, vtk_);
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace moescope
