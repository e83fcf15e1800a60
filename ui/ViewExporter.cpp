#include "ui/ViewExporter.h"

#include "ui/SurfaceView.h"

#include <QChartView>
#include <QFileInfo>
#include <QImage>
#include <QLayout>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QStackedWidget>
#include <QSvgGenerator>

#include <functional>

#include <cstdio>

namespace moescope {

namespace {
// Paints `w` with its top left corner at `at`: each chart by QGraphicsView::render, which maps its scene
// itself. QWidget::render hands a chart inside a container to the painter through a redirection whose
// offset the PDF engine's clip ignores: in a PDF of the Slices view every legend but the top left chart's
// was cut to its first label.
void paintTree(QWidget* w, QPainter& painter, QPoint at) {
    w->render(&painter, at, QRegion(), QWidget::DrawWindowBackground);
    for (QWidget* child : w->findChildren<QWidget*>(Qt::FindDirectChildrenOnly)) {
        if (!child->isVisibleTo(w) || child->isWindow()) continue;
        const QPoint pos = at + child->pos();
        if (auto* chart = qobject_cast<QChartView*>(child))
            chart->render(&painter, QRectF(pos, chart->size()), chart->viewport()->rect());
        else if (child->findChild<QChartView*>())
            paintTree(child, painter, pos);
        else
            child->render(&painter, pos);
    }
}

// Paints the view at `size` logical pixels onto `painter`.
void paintView(QWidget* view, QPainter& painter, QSize size) {
    if (auto* stack = qobject_cast<QStackedWidget*>(view); stack && stack->currentWidget())
        view = stack->currentWidget(); // the page on show (the Surface tab's surface or its curves)
    if (auto* surface = qobject_cast<SurfaceView*>(view)) {
        painter.drawImage(QRect(QPoint(0, 0), size), surface->render(size));
        return;
    }
    const QSize old = view->size();
    view->resize(size);
    // A widget that was never shown (the CLI's) lays itself out only when asked: lay it out at this size now.
    if (QLayout* l = view->layout()) l->setGeometry(QRect(QPoint(0, 0), size));
    if (auto* chart = qobject_cast<QChartView*>(view))
        chart->render(&painter, QRectF(QPointF(0, 0), size), chart->viewport()->rect());
    else
        paintTree(view, painter, QPoint(0, 0));
    view->resize(old);
}
} // namespace

bool exportView(QWidget* view, const QString& path, QSize size, int dpi, QString* error) {
    const QString ext = QFileInfo(path).suffix().toLower();
    if (!size.isValid()) size = view->size();
    const QString tmp = path + ".part";
    bool ok = false;
    if (ext == "png") {
        QImage image(size * dpi / 96, QImage::Format_ARGB32);
        image.setDotsPerMeterX(int(dpi / 0.0254));
        image.setDotsPerMeterY(int(dpi / 0.0254));
        image.fill(Qt::white);
        QPainter painter(&image);
        painter.scale(dpi / 96.0, dpi / 96.0);
        paintView(view, painter, size);
        painter.end();
        ok = image.save(tmp, "PNG");
    } else if (ext == "svg") {
        QSvgGenerator svg;
        svg.setFileName(tmp);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setResolution(dpi);
        svg.setTitle("MoEScope");
        QPainter painter(&svg);
        paintView(view, painter, size);
        ok = painter.end();
    } else if (ext == "pdf") {
        QPdfWriter pdf(tmp);
        pdf.setResolution(dpi);
        pdf.setPageSize(
            QPageSize(QSizeF(size.width() * 72.0 / 96, size.height() * 72.0 / 96), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter(&pdf);
        painter.scale(dpi / 96.0, dpi / 96.0);
        paintView(view, painter, size);
        ok = painter.end();
    } else {
        if (error) *error = QString("'%1': choose a .png, .svg or .pdf file").arg(path);
        return false;
    }
    // Written beside the target and renamed, so an existing picture is never left half overwritten.
    if (ok) ok = std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) == 0;
    if (!ok) {
        QFile::remove(tmp);
        if (error) *error = QString("cannot write '%1'").arg(path);
    }
    return ok;
}

} // namespace moescope
