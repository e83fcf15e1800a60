#pragma once
// VTK in a Qt 6 widget without VTK's Qt 5 module (ARCHITECTURE.md §6): a vtkGenericOpenGLRenderWindow
// rendered offscreen (its own context, an offscreen surface, VTK's framebuffer) and painted as an image,
// with Qt's mouse and keys forwarded to a vtkGenericRenderWindowInteractor. Not a QOpenGLWidget: one of
// those switches the whole main window to OpenGL composition, and in software GL (llvmpipe) every repaint
// of any widget, a status message or a table row, then costs a full-window composite (~28 ms here).
#include <QImage>
#include <QWidget>

#include <functional>
#include <memory>

#include <vtkNew.h>
#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkRenderer;
class vtkObject;
class QOffscreenSurface;
class QPainter;
class QOpenGLContext;

namespace moescope {

class VtkWidget : public QWidget {
    Q_OBJECT
public:
    explicit VtkWidget(QWidget* parent = nullptr);
    ~VtkWidget() override;

    vtkRenderer* renderer() const;
    vtkGenericOpenGLRenderWindow* renderWindow() const;
    vtkGenericRenderWindowInteractor* interactor() const;
    // Renders now (inside the widget's context) and returns the frame; what export and tests read.
    QImage grabScene();
    // VTK's context (null until the first frame); current after makeCurrent, for direct GL calls.
    QOpenGLContext* context() const;
    bool makeCurrent();
    void doneCurrent();

    // Painted by Qt over every frame (widget pixels), in the window and in grabScene's image alike: text
    // and legends, which VTK's own text actors re-rasterise whenever they move.
    void setOverlay(std::function<void(QPainter&)> overlay) { overlay_ = std::move(overlay); }

    // The surface format VTK needs, and llvmpipe's threads on small machines; before QApplication exists.
    static void prepareOpenGl();

signals:
    // VTK rendered on its own (not from the widget's paint): the widget has asked Qt to repaint.
    void repaintRequested();

protected:
    void paintEvent(QPaintEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    // Creates the context on first use and renders a frame of the widget's size into image_.
    bool renderFrame();
    bool ensureContext();
    void forwardMouse(QMouseEvent* e, unsigned long vtkEvent);
    static void onMakeCurrent(vtkObject*, unsigned long, void* self, void*);
    static void onIsCurrent(vtkObject*, unsigned long, void* self, void* callData);
    static void onFrame(vtkObject*, unsigned long, void* self, void*);

    vtkSmartPointer<vtkGenericOpenGLRenderWindow> window_;
    vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
    vtkSmartPointer<vtkRenderer> renderer_;
    std::unique_ptr<QOpenGLContext> context_;
    std::unique_ptr<QOffscreenSurface> surface_;
    QImage image_;
    std::function<void(QPainter&)> overlay_;
    QString failure_;        // why there is no GL context, shown in place of the scene
    bool rendering_ = false; // inside renderFrame: VTK's frame event is our own render, not news
};

} // namespace moescope
