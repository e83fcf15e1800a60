// moescope-cli render: the window's pictures without the window, for scripts and papers. Needs an X server
// (VTK renders only through X on Debian); run it under `xvfb-run -a` on a headless machine.
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/PlanArgs.h"
#include "app/cli/RunSource.h"

#ifdef MOESCOPE_HAVE_GUI
#include "ui/AllocationChart.h"
#include "ui/BudgetCharts.h"
#include "ui/LawChart.h"
#include "ui/SliceCharts.h"
#include "ui/SurfaceView.h"
#include "ui/ValidateView.h"
#include "ui/ViewExporter.h"
#include "ui/VtkWidget.h"

#include <QApplication>
#include <QGuiApplication>
#endif

#include <cmath>
#include <cstdio>
#include <ostream>

namespace moescope::cli {

int renderCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = planOptions();
    for (const char* name : {"view", "budget", "out", "size", "dpi", "camera", "over"})
        specs.push_back({name});
    for (auto& o : importOptions())
        specs.push_back(o);
    const CliArgs args(rawArgs, specs);
    if (args.positionals().size() != 1) throw UsageError("render: expected one FILE");
    const std::string view = args.value("view");
    if (view != "surface" && view != "slices" && view != "budgets" && view != "law" && view != "allocation" &&
        view != "validate")
        throw UsageError(
            "option --view: expected surface, slices, budgets, law, allocation or validate, got '" + view +
            "'");
    // The surface's camera presets and its N / N_a toggle, as the window's buttons name them.
    const std::string camera = args.has("camera") ? args.value("camera") : "perspective";
    if (camera != "perspective" && camera != "top" && camera != "front" && camera != "side")
        throw UsageError("option --camera: expected perspective, top, front or side, got '" + camera + "'");
    const std::string over = args.has("over") ? args.value("over") : "total";
    if (over != "total" && over != "active")
        throw UsageError("option --over: expected total or active, got '" + over + "'");
    if ((args.has("camera") || args.has("over")) && view != "surface")
        throw UsageError("options --camera and --over apply to --view surface only");
    if (!args.has("out")) throw UsageError("option --out is required (.png, .svg or .pdf)");
    const std::string outPath = args.value("out");
    const auto dot = outPath.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : outPath.substr(dot + 1);
    if (ext != "png" && ext != "svg" && ext != "pdf")
        throw UsageError("option --out: '" + outPath + "' must end in .png, .svg or .pdf");
    int width = 1200, height = 800;
    if (args.has("size") && std::sscanf(args.value("size").c_str(), "%dx%d", &width, &height) != 2)
        throw UsageError("option --size: expected WIDTHxHEIGHT, got '" + args.value("size") + "'");
    // A picture a person can look at, drawn in memory a machine has: 16 to 16,384 pixels a side.
    if (width < 16 || height < 16 || width > 16384 || height > 16384)
        throw UsageError("option --size: each side must lie in 16..16384 pixels, got '" +
                         args.value("size", "1200x800") + "'");
    const int dpi = args.integer("dpi", 96);
    if (dpi < 24 || dpi > 2400)
        throw UsageError("option --dpi: must lie in 24..2400, got " + std::to_string(dpi));
#ifndef MOESCOPE_HAVE_GUI
    (void)out, (void)err, (void)dpi;
    throw UsageError("render: this moescope-cli was built without the GUI (MOESCOPE_BUILD_GUI=OFF)");
#else
    const AnalysisPlan plan = planFromArgs(args);
    RunTable table;
    int code = 0;
    // A bad --where is refused here; analyze() applies the same filter again, to the same result.
    if (!loadPlannedRuns(args.positionals()[0], args, plan, table, err, code)) return code;
    const auto snapshot = analyze(table, plan);
    if (snapshot->sweep.budgets.empty() && (view == "surface" || view == "slices" || view == "budgets")) {
        err << args.positionals()[0] << ": no budget has enough runs for an isoFLOP surface\n";
        return 2;
    }
    const double budget = args.has("budget")
                              ? args.number("budget", 0)
                              : (snapshot->sweep.budgets.empty() ? 0 : snapshot->sweep.budgets.back().budget);
    // Any budget: a swept one draws its surface, any other the fitted law's prediction there.
    if (args.has("budget") && !(budget > 0)) throw UsageError("option --budget: must be positive");

    VtkWidget::prepareOpenGl();
    static int argc = 1;
    static char name[] = "moescope-cli";
    static char* argv[] = {name, nullptr};
    QApplication app(argc, argv);
    if (view == "surface" && QGuiApplication::platformName() == "offscreen") {
        err << "render --view surface needs an X server (VTK renders only through X); run under xvfb-run "
               "-a\n";
        return 1;
    }
    std::unique_ptr<QWidget> widget;
    if (view == "surface") {
        auto* s = new SurfaceView;
        widget.reset(s);
        s->resize(width, height);
        s->show();
        QApplication::processEvents();
        s->setOverActive(over == "active");
        s->setAnalysis(snapshot, budget);
        s->presetView(camera == "top"     ? SurfaceView::Preset::Top
                      : camera == "front" ? SurfaceView::Preset::FrontN
                      : camera == "side"  ? SurfaceView::Preset::SideS
                                          : SurfaceView::Preset::Perspective);
    } else if (view == "slices") {
        auto* s = new SliceCharts;
        widget.reset(s);
        s->setAnalysis(snapshot, budget);
    } else if (view == "budgets") {
        auto* b = new BudgetCharts;
        widget.reset(b);
        b->setAnalysis(snapshot, budget);
    } else if (view == "law") {
        auto* l = new LawChart;
        widget.reset(l);
        l->setAnalysis(snapshot);
    } else if (view == "validate") {
        auto* v = new ValidateView;
        widget.reset(v);
        v->setAnalysis(snapshot);
    } else {
        auto* a = new AllocationChart;
        widget.reset(a);
        a->setAnalysis(snapshot);
    }
    widget->resize(width, height);
    widget->show();
    for (int i = 0; i < 5; ++i)
        QApplication::processEvents();
    QString error;
    if (!exportView(widget.get(), QString::fromStdString(outPath), QSize(width, height), dpi, &error)) {
        err << error.toStdString() << "\n";
        return 1;
    }
    out << outPath << "\n";
    return 0;
#endif
}

} // namespace moescope::cli
