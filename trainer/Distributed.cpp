#include "trainer/Distributed.h"

#include "trainer/EventLog.h"
#include "trainer/TrainerOptions.h"

#ifndef MOESCOPE_NO_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace moescope::trainer {

namespace {

// An environment variable as a whole number ≥ min; `fallback` when unset.
int envInt(const char* name, int fallback, int min) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (*end != '\0' || n < min || n > 1 << 20)
        throw OptionError(std::string("environment variable ") + name + ": expected a whole number ≥ " +
                          std::to_string(min) + ", got '" + v + "'");
    return static_cast<int>(n);
}

constexpr size_t kBucketBytes = 25u << 20; // DDP's default bucket size

// A collective that fails means a peer is gone (crashed, killed, out of memory) or timed out: say so, not
// only Gloo's socket error.
void waitFor(const c10::intrusive_ptr<c10d::Work>& work, int rank) {
    try {
        work->wait();
    } catch (const c10::Error& e) {
        throw std::runtime_error(
            "data parallel: rank " + std::to_string(rank) +
            " lost another rank (it stopped, crashed or timed out): " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        throw std::runtime_error("data parallel: rank " + std::to_string(rank) +
                                 " lost another rank (it stopped, crashed or timed out): " + e.what());
    }
}

} // namespace

DistEnv distEnvFromEnvironment() {
    DistEnv e;
    const bool torchrun = std::getenv("WORLD_SIZE") != nullptr;
    const char* rank = torchrun ? "RANK" : "SLURM_PROCID";
    const char* world = torchrun ? "WORLD_SIZE" : "SLURM_NTASKS";
    const char* local = torchrun ? "LOCAL_RANK" : "SLURM_LOCALID";
    e.world = envInt(world, 1, 1);
    e.launched = torchrun;
    e.rank = envInt(rank, 0, 0);
    e.localRank = envInt(local, e.rank, 0);
    if (e.rank >= e.world)
        throw OptionError(std::string("environment variable ") + rank + " = " + std::to_string(e.rank) +
                          " is not below " + world + " = " + std::to_string(e.world));
    if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) e.masterAddr = addr;
    e.masterPort = envInt("MASTER_PORT", e.masterPort, 1);
    if (e.masterPort > 65535) throw OptionError("environment variable MASTER_PORT: not a port number");
    return e;
}

struct DataParallel::Group {
    c10::intrusive_ptr<c10d::Store> store;
#ifndef MOESCOPE_NO_GLOO
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef USE_C10D_NCCL
    c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
    // `call` on the engine this group formed (NCCL's and Gloo's classes share no base across LibTorch
    // versions, so each is passed as itself).
    template <class Call> c10::intrusive_ptr<c10d::Work> onEngine(const Call& call) {
#ifdef USE_C10D_NCCL
        if (nccl) return call(*nccl);
#endif
#ifndef MOESCOPE_NO_GLOO
        return call(*gloo);
#else
        (void)call;
        throw std::logic_error("data parallel: no process group");
#endif
    }
    c10::intrusive_ptr<c10d::Work> allreduce(std::vector<at::Tensor>& t) {
        return onEngine([&](auto& engine) { return engine.allreduce(t); });
    }
    c10::intrusive_ptr<c10d::Work> broadcast(std::vector<at::Tensor>& t) {
        return onEngine([&](auto& engine) { return engine.broadcast(t); });
    }
};

DataParallel::DataParallel(const DistEnv& env, const torch::Device& device, std::chrono::milliseconds timeout)
    : env_(env), group_(std::make_unique<Group>()) {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.masterPort);
    so.isServer = env.rank == 0;
    so.numWorkers = static_cast<std::size_t>(env.world);
    so.waitWorkers = true;
    so.timeout = timeout;
    try {
        group_->store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, so);
    } catch (const std::exception& e) {
        throw std::runtime_error("data parallel: rank " + std::to_string(env.rank) +
                                 " could not meet the other " + std::to_string(env.world - 1) +
                                 " rank(s) at " + env.masterAddr + ":" + std::to_string(env.masterPort) +
                                 " within " + std::to_string(timeout.count() / 1000) +
                                 " s (--dist-timeout): " + e.what());
    }
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
        auto options = c10d::ProcessGroupNCCL::Options::create();
        options->timeout = timeout;
        group_->nccl =
            c10::make_intrusive<c10d::ProcessGroupNCCL>(group_->store, env.rank, env.world, options);
        return;
#else
        throw OptionError(
            "option --nproc: this build has no NCCL (configure with -DMOESCOPE_NCCL=ON against a "
            "CUDA LibTorch); on CPU the ranks use Gloo");
#endif
    }
#ifdef MOESCOPE_NO_GLOO
    throw OptionError(
        "option --nproc: this build has no Gloo (its headers were not found next to LibTorch's); "
        "on CPU the ranks need it, on CUDA they use NCCL");
#else
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (env.masterAddr == "127.0.0.1" || env.masterAddr == "localhost")
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    group_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, env.rank, env.world, options);
#endif
}

DataParallel::~DataParallel() = default;

bool DataParallel::builtFor(const torch::Device& device) {
#ifdef USE_C10D_NCCL
    if (device.is_cuda()) return true;
#endif
#ifdef MOESCOPE_NO_GLOO
    return false;
#else
    return !device.is_cuda();
#endif
}

std::string DataParallel::backend() const {
#ifdef USE_C10D_NCCL
    if (group_->nccl) return "nccl";
#endif
    return "gloo";
}

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
    torch::NoGradGuard noGrad;
    for (const auto& t : tensors) {
        std::vector<at::Tensor> one{t.data()};
        waitFor(group_->broadcast(one), env_.rank);
    }
}

void DataParallel::sum(torch::Tensor& t) {
    std::vector<at::Tensor> one{t};
    waitFor(group_->allreduce(one), env_.rank);
}

void DataParallel::averageGradients(const std::vector<torch::Tensor>& parameters) {
    torch::NoGradGuard noGrad;
    std::vector<std::vector<torch::Tensor>> buckets(1);
    size_t bytes = 0;
    for (const auto& p : parameters) {
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        const size_t size = p.numel() * p.element_size();
        if (bytes > 0 && bytes + size > kBucketBytes) buckets.emplace_back(), bytes = 0;
        buckets.back().push_back(p.grad());
        bytes += size;
    }
    // Every bucket goes out before the first is awaited, so the reductions overlap.
    std::vector<std::vector<at::Tensor>> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& bucket : buckets) {
        std::vector<torch::Tensor> views;
        for (const auto& g : bucket)
            views.push_back(g.reshape({-1}));
        flats.push_back({torch::cat(views)});
        works.push_back(group_->allreduce(flats.back()));
    }
    for (size_t b = 0; b < buckets.size(); ++b) {
        waitFor(works[b], env_.rank);
        const torch::Tensor mean = flats[b][0].div_(env_.world);
        int64_t offset = 0;
        for (const auto& g : buckets[b]) {
            g.copy_(mean.narrow(0, offset, g.numel()).view_as(g));
            offset += g.numel();
        }
    }
}

namespace {

volatile std::sig_atomic_t gForward = 0;
void forwardSignal(int sig) {
    gForward = sig;
}

// A port nobody listens on now, for the local rendezvous.
int freePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 29500;
    if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

} // namespace

int launchLocalRanks(int nproc, const std::vector<std::string>& args) {
    const std::string port = std::to_string(freePort());
    std::vector<pid_t> pids;
    for (int r = 0; r < nproc; ++r) {
        const pid_t pid = fork();
        if (pid < 0) {
            emitError("--nproc: could not start rank " + std::to_string(r));
            for (pid_t p : pids)
                kill(p, SIGTERM);
            return 1;
        }
        if (pid == 0) {
            setenv("RANK", std::to_string(r).c_str(), 1);
            setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
            setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
            setenv("MASTER_ADDR", "127.0.0.1", 1);
            setenv("MASTER_PORT", port.c_str(), 1);
            std::vector<std::string> all = {"moescope-train"};
            all.insert(all.end(), args.begin(), args.end());
            std::vector<char*> argv;
            for (auto& a : all)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            execv("/proc/self/exe", argv.data());
            _exit(127);
        }
        pids.push_back(pid);
    }
    std::signal(SIGINT, forwardSignal);
    std::signal(SIGTERM, forwardSignal);
    int result = 0, alive = nproc, forwarded = 0;
    bool stopping = false;
    while (alive > 0) {
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno != EINTR) break;
            if (gForward && gForward != forwarded) { // Ctrl-C or a scheduler's TERM: every rank checkpoints
                forwarded = gForward;
                for (size_t r = 0; r < pids.size(); ++r)
                    if (pids[r] > 0) kill(pids[r], gForward);
            }
            continue;
        }
        const auto it = std::find(pids.begin(), pids.end(), pid);
        if (it == pids.end()) continue;
        const int rank = static_cast<int>(it - pids.begin());
        *it = -1;
        --alive;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (rank == 0 && result == 0) result = code;
        if (code != 0 && !stopping && code != 130) {
            stopping = true;
            result = code;
            emitError("rank " + std::to_string(rank) + " of " + std::to_string(nproc) + " exited with code " +
                      std::to_string(code) + "; stopping the other ranks");
            // A rank blocked in an all-reduce with a dead peer does not see TERM until Gloo notices; KILL
            // ends what TERM cannot.
            for (pid_t p : pids)
                if (p > 0) kill(p, SIGKILL);
        }
    }
    return result;
}

} // namespace moescope::trainer
