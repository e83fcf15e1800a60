#include "ui/VtkWidget.h"

#include <algorithm>

#include <QMouseEvent>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QPainter>
#include <QSurfaceFormat>
#include <QThread>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

namespace moescope {

void VtkWidget::prepareOpenGl() {
    QSurfaceFormat f;
    f.setRenderableType(QSurfaceFormat::OpenGL);
    f.setVersion(3, 2);
    f.setProfile(QSurfaceFormat::CoreProfile);
    f.setDepthBufferSize(24);
    f.setRedBufferSize(8);
    f.setGreenBufferSize(8);
    f.setBlueBufferSize(8);
    f.setAlphaBufferSize(8);
    f.setStencilBufferSize(0);
    QSurfaceFormat::setDefaultFormat(f);
    // Mesa's software rasteriser (llvmpipe) hands every frame to one thread per core and waits for them.
    // On two cores those threads compete with the thread that feeds them: bench_explorer's turns ran at
    // 32-92 frames/s with them and at a steady 72-82 with the frame drawn in the calling thread. More cores
    // keep Mesa's default, a choice in LP_NUM_THREADS is the user's, and a hardware GL ignores it.
    if (!qEnvironmentVariableIsSet("LP_NUM_THREADS") && QThread::idealThreadCount() <= 2)
        qputenv("LP_NUM_THREADS", "0");
}

VtkWidget::VtkWidget(QWidget* parent) : QWidget(parent) {
    window_ = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
    window_->SetReadyForRendering(false); // until ensureContext has a context for it
    window_->SetFrameBlitModeToNoBlit();
    window_->SetOwnContext(false);
    window_->SwapBuffersOff(); // the frame stays in VTK's render framebuffer, where renderFrame reads it
    // VTK asks for 8x multisampling by default; in software GL (Mesa llvmpipe under Xvfb) that alone
    // costs most of the frame time.
    window_->SetMultiSamples(0);
    renderer_ = vtkSmartPointer<vtkRenderer>::New();
    renderer_->SetBackgroundAlpha(1.0); // opaque frames: read back as Format_RGB32 without a pass
    window_->AddRenderer(renderer_);
    interactor_ = vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
    interactor_->SetRenderWindow(window_);
    interactor_->SetInteractorStyle(vtkNew<vtkInteractorStyleTrackballCamera>());
    interactor_->EnableRenderOff(); // Qt decides when to paint
    auto observe = [&](unsigned long event, void (*fn)(vtkObject*, unsigned long, void*, void*)) {
        vtkNew<vtkCallbackCommand> cb;
        cb->SetCallback(fn);
        cb->SetClientData(this);
        window_->AddObserver(event, cb);
    };
    observe(vtkCommand::WindowMakeCurrentEvent, &VtkWidget::onMakeCurrent);
    observe(vtkCommand::WindowIsCurrentEvent, &VtkWidget::onIsCurrent);
    observe(vtkCommand::WindowFrameEvent, &VtkWidget::onFrame);
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    // Every pixel is the frame's: Qt need not clear behind it.
    setAttribute(Qt::WA_OpaquePaintEvent);
}

VtkWidget::~VtkWidget() {
    if (!makeCurrent()) return;
    window_->Finalize();
    doneCurrent();
}

QOpenGLContext* VtkWidget::context() const {
    return context_.get();
}

bool VtkWidget::makeCurrent() {
    return context_ && context_->makeCurrent(surface_.get());
}

void VtkWidget::doneCurrent() {
    if (context_) context_->doneCurrent();
}

vtkRenderer* VtkWidget::renderer() const {
    return renderer_;
}
vtkGenericOpenGLRenderWindow* VtkWidget::renderWindow() const {
    return window_;
}
vtkGenericRenderWindowInteractor* VtkWidget::interactor() const {
    return interactor_;
}

void VtkWidget::onMakeCurrent(vtkObject*, unsigned long, void* self, void*) {
    static_cast<VtkWidget*>(self)->makeCurrent();
}

void VtkWidget::onIsCurrent(vtkObject*, unsigned long, void* self, void* callData) {
    auto* w = static_cast<VtkWidget*>(self);
    *static_cast<bool*>(callData) = w->context() && QOpenGLContext::currentContext() == w->context();
}

// A render VTK started itself needs painting; the one renderFrame is doing is painted already, and asking for
// another paint from inside it would render again forever.
void VtkWidget::onFrame(vtkObject*, unsigned long, void* self, void*) {
    auto* w = static_cast<VtkWidget*>(self);
    if (w->rendering_) return;
    w->update();
    emit w->repaintRequested();
}

bool VtkWidget::ensureContext() {
    if (context_) return makeCurrent();
    if (!failure_.isEmpty()) return false; // tried once: no second attempt per paint
    auto context = std::make_unique<QOpenGLContext>();
    context->setFormat(QSurfaceFormat::defaultFormat());
    auto surface = std::make_unique<QOffscreenSurface>();
    if (!context->create()) {
        failure_ = tr("The 3D view needs OpenGL %1.%2 (core profile), which this display does not offer.")
                       .arg(QSurfaceFormat::defaultFormat().majorVersion())
                       .arg(QSurfaceFormat::defaultFormat().minorVersion());
        return false;
    }
    surface->setFormat(context->format());
    surface->create();
    if (!surface->isValid() || !context->makeCurrent(surface.get())) {
        failure_ = tr("The 3D view could not make its OpenGL context current on an offscreen surface.");
        return false;
    }
    context_ = std::move(context);
    surface_ = std::move(surface);
    window_->SetReadyForRendering(true);
    window_->OpenGLInitContext();
    interactor_->Initialize();
    return true;
}

bool VtkWidget::renderFrame() {
    const qreal dpr = devicePixelRatioF();
    const QSize px(std::max(1, int(width() * dpr)), std::max(1, int(height() * dpr)));
    if (!ensureContext()) return false;
    if (image_.size() != px) {
        window_->SetSize(px.width(), px.height());
        interactor_->SetSize(px.width(), px.height());
    }
    // A frame handed out by grabScene keeps its pixels: this one gets its own.
    if (image_.size() != px || !image_.isDetached()) image_ = QImage(px, QImage::Format_RGB32);
    vtkOpenGLState* state = window_->GetState();
    state->Reset();
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);
    rendering_ = true;
    window_->Render();
    rendering_ = false;
    // Read straight from VTK's render framebuffer (swap buffers off: no copy into a display framebuffer,
    // none into one of ours; each full-frame copy cost llvmpipe about a millisecond). GL's BGRA bytes are
    // Format_RGB32's and the background's alpha is 1, so the pixels need no conversion, only the flip
    // from GL's bottom-up rows.
    state->vtkglBindFramebuffer(GL_READ_FRAMEBUFFER, window_->GetRenderFramebuffer()->GetFBOIndex());
    state->vtkglReadBuffer(GL_COLOR_ATTACHMENT0);
    state->vtkglPixelStorei(GL_PACK_ALIGNMENT, 4);
    context_->functions()->glReadPixels(0, 0, px.width(), px.height(), GL_BGRA, GL_UNSIGNED_BYTE,
                                        image_.bits());
    state->Pop();
    image_.mirror();
    image_.setDevicePixelRatio(dpr);
    if (overlay_) {
        QPainter painter(&image_);
        overlay_(painter);
    }
    return true;
}

void VtkWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    if (renderFrame()) {
        painter.drawImage(QPoint(0, 0), image_);
        return;
    }
    painter.fillRect(rect(), Qt::white);
    painter.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, failure_);
}

QImage VtkWidget::grabScene() {
    return renderFrame() ? image_ : QImage();
}

void VtkWidget::forwardMouse(QMouseEvent* e, unsigned long vtkEvent) {
    const qreal dpr = devicePixelRatioF();
    interactor_->SetEventInformationFlipY(int(e->position().x() * dpr), int(e->position().y() * dpr),
                                          (e->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                          (e->modifiers() & Qt::ShiftModifier) ? 1 : 0);
    interactor_->InvokeEvent(vtkEvent, e);
}

void VtkWidget::mousePressEvent(QMouseEvent* e) {
    const auto event = e->button() == Qt::LeftButton    ? vtkCommand::LeftButtonPressEvent
                       : e->button() == Qt::RightButton ? vtkCommand::RightButtonPressEvent
                                                        : vtkCommand::MiddleButtonPressEvent;
    forwardMouse(e, event);
}

void VtkWidget::mouseReleaseEvent(QMouseEvent* e) {
    const auto event = e->button() == Qt::LeftButton    ? vtkCommand::LeftButtonReleaseEvent
                       : e->button() == Qt::RightButton ? vtkCommand::RightButtonReleaseEvent
                                                        : vtkCommand::MiddleButtonReleaseEvent;
    forwardMouse(e, event);
}

void VtkWidget::mouseMoveEvent(QMouseEvent* e) {
    forwardMouse(e, vtkCommand::MouseMoveEvent);
    update();
}

void VtkWidget::wheelEvent(QWheelEvent* e) {
    const qreal dpr = devicePixelRatioF();
    interactor_->SetEventInformationFlipY(int(e->position().x() * dpr), int(e->position().y() * dpr));
    interactor_->InvokeEvent(e->angleDelta().y() > 0 ? vtkCommand::MouseWheelForwardEvent
                                                     : vtkCommand::MouseWheelBackwardEvent,
                             e);
    update();
}

void VtkWidget::keyPressEvent(QKeyEvent* e) {
    QWidget::keyPressEvent(e);
    update();
}

} // namespace moescope
