#include "trainer/Trainer.h"

#include "core/io/CsvWriter.h"
#include "core/io/RunResult.h"
#include "trainer/BenchTrace.h"
#include "trainer/Checkpoint.h"
#include "trainer/ChunkedCrossEntropy.h"
#include "trainer/CudaAutocast.h"
#include "trainer/CudaDevice.h"
#include "trainer/Distributed.h"
#include "trainer/EventLog.h"
#include "trainer/FusedAdamW.h"
#include "trainer/MoeTransformer.h"
#include "trainer/RunRecord.h"
#include "trainer/Schedule.h"
#include "trainer/TokenData.h"
#include "trainer/TorchVersion.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <filesystem>
#include <limits>
#include <malloc.h>
#include <new>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace moescope::trainer {

namespace {

volatile std::sig_atomic_t gSignal = 0;
void onSignal(int sig) {
    gSignal = sig;
}

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

torch::Device chooseDevice(const std::string& wanted) {
    if (wanted == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    if (wanted.rfind("cuda", 0) == 0 && !torch::cuda::is_available())
        throw OptionError("option --device: " + wanted + " requested but no CUDA device is available");
    return torch::Device(wanted);
}

bool useBf16(const TrainerOptions& o, const torch::Device& d) {
    if (o.dtype == "bf16" && !d.is_cuda())
        throw OptionError("option --dtype: bf16 (autocast) runs on CUDA only; on " + d.str() +
                          " the trainer computes in fp32 (--dtype fp32 or auto)");
    if (o.dtype == "bf16") return true;
    return o.dtype == "auto" && d.is_cuda();
}

ExpertsGemm expertsGemm(const TrainerOptions& o) {
    return o.expertsGemm == "grouped" ? ExpertsGemm::Grouped
           : o.expertsGemm == "loop"  ? ExpertsGemm::Loop
                                      : ExpertsGemm::Auto;
}

std::unique_ptr<torch::optim::AdamW> makeOptimizer(MoeTransformer& model, const TrainerOptions& o) {
    // Weight decay on matrices only; norm gains are left alone.
    std::vector<torch::Tensor> decay, plain;
    for (const auto& p : model->named_parameters())
        (p.value().dim() >= 2 ? decay : plain).push_back(p.value());
    auto options = torch::optim::AdamWOptions(o.lr).betas({0.9, 0.95}).eps(1e-8).weight_decay(o.wd);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(options));
    auto noDecay = options;
    noDecay.weight_decay(0.0);
    groups.emplace_back(plain, std::make_unique<torch::optim::AdamWOptions>(noDecay));
    return std::make_unique<torch::optim::AdamW>(groups, options);
}

// --norm: at::rms_norm where asked for or (auto) on CUDA when this LibTorch has it.
bool useFusedNorms(const TrainerOptions& o, const torch::Device& device) {
    return o.norm == "fused" || (o.norm == "auto" && device.is_cuda() && MOESCOPE_TORCH_AT_LEAST(2, 4));
}

// --loss: chunked where asked for or (auto) on CUDA, where the full logits' memory and passes cost most.
bool useChunkedLoss(const TrainerOptions& o, const torch::Device& device) {
    return o.loss == "chunked" || (o.loss == "auto" && device.is_cuda());
}

// Runs forward with bf16 autocast on CUDA (fp32 weights, bf16 matmuls); fp32 on CPU. A chunked loss needs no
// logits: the head's matmul happens inside it.
ModelOutput forward(MoeTransformer& model, const torch::Tensor& x, bool bf16, bool chunkedLoss) {
    if (!bf16) return model->forward(x, !chunkedLoss);
    const CudaAutocast autocast;
    return model->forward(x, !chunkedLoss);
}

// The language-model loss of a forward pass, the one definition training, evaluation and the benchmark use.
torch::Tensor crossEntropy(MoeTransformer& model, const ModelOutput& out, const torch::Tensor& y, bool bf16,
                           bool chunkedLoss) {
    const auto targets = y.reshape({-1});
    if (!chunkedLoss)
        return torch::nn::functional::cross_entropy(
            out.logits.reshape({-1, out.logits.size(-1)}).to(torch::kFloat32), targets);
    const auto hidden = out.hidden.reshape({-1, out.hidden.size(-1)});
    return chunkedCrossEntropy(hidden, model->head->weight, targets,
                               bf16 ? torch::kBFloat16 : hidden.scalar_type());
}

struct StepResult {
    double loss = 0, lb = 0, z = 0;
    torch::Tensor counts;
    bool stop = false; // some rank was asked to stop
};

// --adamw: the fused kernel where asked for or (auto) on CUDA when this build has it. Throws OptionError
// before any compute when "fused" cannot be honoured.
bool useFusedAdamW(const TrainerOptions& o, const torch::Device& device) {
    if (o.adamw == "loop") return false;
    const bool possible = device.is_cuda() && fusedAdamWBuilt();
    if (o.adamw == "fused" && !possible)
        throw OptionError(std::string("option --adamw fused: ") +
                          (device.is_cuda() ? "this build has no fused AdamW (LibTorch >= 2.4 needed)"
                                            : "CUDA only; this run is on " + device.str()));
    return possible;
}

// Clipping and the AdamW update, named as one phase for the profiler (tests/bench/trace_summary.py).
void optimizerStep(MoeTransformer& model, torch::optim::AdamW& opt, bool fused) {
    RECORD_USER_SCOPE("optimizer");
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    if (fused)
        fusedAdamWStep(opt);
    else
        opt.step();
}

// One optimiser step. With ranks, each trains on its rows of the global batch (the same rows one process
// with batch × world would draw), gradients and the reported losses are averaged, and `stop` is agreed on,
// so every rank stops after the same step.
StepResult trainStep(MoeTransformer& model, torch::optim::AdamW& opt, const TokenData& data,
                     const TrainerOptions& o, int64_t step, const torch::Device& device, bool bf16,
                     bool fusedAdam, DataParallel* dp = nullptr, bool stop = false) {
    StepResult r;
    opt.zero_grad();
    const bool chunked = useChunkedLoss(o, device);
    for (int micro = 0; micro < o.gradAccum; ++micro) {
        auto [x, y] = data.trainBatch(o.seed, step, micro, static_cast<int64_t>(o.batch) * o.world);
        if (o.world > 1)
            x = x.narrow(0, int64_t(o.rank) * o.batch, o.batch),
            y = y.narrow(0, int64_t(o.rank) * o.batch, o.batch);
        x = x.to(device), y = y.to(device);
        const ModelOutput out = forward(model, x, bf16, chunked);
        const auto ce = crossEntropy(model, out, y, bf16, chunked);
        const auto lb = o.lb * out.lb, z = o.z * out.z;
        ((ce + lb + z) / double(o.gradAccum)).backward();
        r.loss += ce.item<double>() / o.gradAccum;
        r.lb += lb.item<double>() / o.gradAccum;
        r.z += z.item<double>() / o.gradAccum;
        r.counts = r.counts.defined() ? r.counts + out.counts.to(torch::kCPU) : out.counts.to(torch::kCPU);
    }
    r.stop = stop;
    if (dp) {
        dp->averageGradients(model->parameters());
        auto stats = torch::tensor({r.loss, r.lb, r.z, stop ? 1.0 : 0.0}, torch::kFloat64).to(device);
        dp->sum(stats);
        auto counts = r.counts.to(torch::kFloat64).to(device);
        dp->sum(counts);
        stats = stats.to(torch::kCPU);
        r.loss = stats[0].item<double>() / o.world;
        r.lb = stats[1].item<double>() / o.world;
        r.z = stats[2].item<double>() / o.world;
        r.stop = stats[3].item<double>() > 0;
        r.counts = counts.to(torch::kCPU);
    }
    optimizerStep(model, opt, fusedAdam);
    return r;
}

double evaluate(MoeTransformer& model, const TokenData& data, const TrainerOptions& o,
                const torch::Device& device, bool bf16) {
    torch::NoGradGuard noGrad;
    model->eval();
    double sum = 0;
    // Rank 0 evaluates alone, on the global batch: the same held-out windows whatever the world size.
    const bool chunked = useChunkedLoss(o, device);
    for (int i = 0; i < o.evalBatches; ++i) {
        auto [x, y] = data.valBatch(i, static_cast<int64_t>(o.batch) * o.world);
        const ModelOutput out = forward(model, x.to(device), bf16, chunked);
        sum += crossEntropy(model, out, y.to(device), bf16, chunked).item<double>();
    }
    model->train();
    return sum / o.evalBatches;
}

Json countsJson(const torch::Tensor& counts) {
    Json layers = Json::array();
    const auto c = counts.to(torch::kInt64).contiguous();
    for (int64_t l = 0; l < c.size(0); ++l) {
        Json row = Json::array();
        for (int64_t e = 0; e < c.size(1); ++e)
            row.push(static_cast<double>(c[l][e].item<int64_t>()));
        layers.push(row);
    }
    return layers;
}

// CUDA's caching allocator says "out of memory"; the CPU allocator "can't allocate memory".
bool isOutOfMemory(const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    for (const char* sign : {"out of memory", "can't allocate memory", "Cannot allocate memory"})
        if (what.find(sign) != std::string::npos) return true;
    return false;
}

// The advice for a step that does not fit: the same tokens per step in smaller micro-batches.
std::string outOfMemoryMessage(const TrainerOptions& o, const torch::Device& device, int64_t step) {
    std::string m = "out of memory on " + device.str() + " in step " + std::to_string(step + 1) + ": ";
    if (o.batch > 1) {
        const int batch = o.batch % 2 == 0 ? o.batch / 2 : 1;
        m += "lower the memory per micro-batch with --batch " + std::to_string(batch) + " --grad-accum " +
             std::to_string(o.gradAccum * o.batch / batch) + " (the same tokens per step)";
    } else {
        m += "one sequence per micro-batch already: shorten --ctx or choose a smaller model";
    }
    return m + (fs::exists(checkpointPath(o.out))
                    ? "; the last checkpoint in '" + o.out + "' is kept: continue with --resume"
                    : "; no checkpoint had been written yet");
}

// On a CPU, ATen's own threads run the element-wise work and the expert GEMMs in parallel; OpenBLAS's pthread
// team, left at its default, spins between GEMMs and takes the cores from them. Measured on the benchmark's
// model (2 cores): 885-951 tokens/s with the team, 1081-1251 with one OpenBLAS thread, 1068-1115 with the
// team told to stop spinning sooner (OPENBLAS_THREAD_TIMEOUT=4, read only at load). So OpenBLAS runs on
// the calling thread. Found at run time: another BLAS has no such switch and is left alone.
void oneBlasThreadOnCpu() {
    using Set = void (*)(int);
    if (const auto set = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

// A step's activations (up to tens of MB each) are allocated and freed every step. glibc serves blocks above
// its mmap threshold with fresh mappings and gives freed heap tops back to the system, so every step paid
// page faults and the kernel's zeroing of every page again: a third of the benchmark's CPU time was system
// time. Blocks up to 32 MB (glibc's largest threshold) now come from the heap, and freed memory stays there
// for the next step: 1,047-1,174 -> 1,765-1,997 tokens/s on the benchmark's model, its system time down from
// 9-11 s to 2.5 s. The process keeps its peak memory instead of returning it between steps.
void keepFreedMemoryOnCpu() {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
    mallopt(M_TOP_PAD, 256 << 20);
}

// One trainer writes an --out at a time: the lock is held until the process ends (the kernel releases it
// however the process ends), so a second trainer into the same folder is refused instead of overwriting.
void lockOutput(const std::string& out) {
    const std::string path = out + "/trainer.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(path + ": cannot create the lock: " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw OptionError("option --out: '" + out + "' is being written by another trainer (" + path +
                          " is held); wait for it to end or choose another --out");
    }
    // Deliberately left open: closing it would release the lock.
}

// A cooldown branch starts from its parent's kept stable-phase checkpoint: the same model, optimiser moments,
// generator and step, so its stable phase is the parent's exactly. The parent must have been a WSD run still
// in its stable phase there (a cosine parent's rate had already decayed).
CheckpointState startBranch(const TrainerOptions& o, torch::nn::Module& model, torch::optim::Optimizer& opt,
                            const torch::Device& device) {
    const std::string path = branchPointPath(o.branchFrom, o.branchAt);
    const auto state = loadCheckpointFile(path, model, opt, device, branchSignature(o));
    if (!state) throw OptionError("option --branch-from: '" + path + "' is missing");
    Json parent;
    std::string error;
    if (!Json::parse(state->signature, parent, error) || parent["schedule"].string() != "wsd")
        throw OptionError("option --branch-from: '" + o.branchFrom +
                          "' was not trained with --schedule wsd; only a stable phase can be branched");
    if (state->step != o.branchAt)
        throw OptionError("option --branch-at: '" + path + "' holds step " + std::to_string(state->step));
    return *state;
}

void prepareCpu(const torch::Device& device) {
    if (!device.is_cpu()) return;
    oneBlasThreadOnCpu();
    keepFreedMemoryOnCpu();
}

} // namespace

int train(const TrainerOptions& o, const DistEnv& env) {
    if (o.resume && runResultStatus(o.out) == RunResultStatus::Done) {
        // Counted once: resuming a finished run (a re-run Slurm task, say) trains and appends nothing.
        Json j = Json::object();
        j.set("out", o.out);
        j.set("message", "the run in '" + o.out + "' is finished (result.json); nothing to resume");
        emitEvent("finished", j);
        std::fprintf(stderr, "moescope-train: the run in '%s' is finished (result.json); nothing to resume\n",
                     o.out.c_str());
        return 0;
    }
    const bool lead = o.rank == 0; // writes events, checkpoints and the result
    if (lead) { // before anything is read or written: a second trainer into this --out stops here
        fs::create_directories(o.out);
        lockOutput(o.out);
    }
    torch::Device device = chooseDevice(o.device);
    // A launcher's world of one joins a group only where the build can form it: under torchrun
    // --nproc-per-node 1 a build without NCCL still trains, as one process.
    const bool ranked = o.world > 1 || (env.launched && DataParallel::builtFor(device));
    if (device.is_cuda() && ranked) device = torch::Device(torch::kCUDA, env.localRank);
    const bool bf16 = useBf16(o, device);
    const bool fusedAdam = useFusedAdamW(o, device);
    if (o.threads > 0)
        torch::set_num_threads(o.threads);
    else if (o.world > 1 && !device.is_cuda()) // ranks on one machine share its cores
        torch::set_num_threads(std::max(1, int(std::thread::hardware_concurrency()) / o.world));
    prepareCpu(device);
    const Architecture arch = o.architecture();
    const TokenData data(o.data.empty() ? defaultCorpus() : o.data, o.tokenizer, o.vocab, o.valFrac, o.ctx);

    torch::manual_seed(o.seed);
    MoeTransformer model(arch, o.heads);
    model->setExpertsGemm(expertsGemm(o));
    model->setFusedNorms(useFusedNorms(o, device));
    model->to(device);
    std::unique_ptr<DataParallel> dp;
    if (ranked) {
        // A peer that dies leaves its sockets closed: a write to one must fail as an error the collective
        // reports ("lost another rank"), not raise SIGPIPE, which ended rank 0 without a word when the write
        // came before the read that would have failed (seen under load in tst_trainer_parallel).
        std::signal(SIGPIPE, SIG_IGN);
        dp = std::make_unique<DataParallel>(
            env, device, std::chrono::milliseconds(static_cast<long long>(o.distTimeout * 1000)));
        dp->broadcast(model->parameters()); // one starting point whatever each rank's RNG did
    }
    auto opt = makeOptimizer(model, o);
    const int64_t total = o.plannedSteps();
    int64_t start = 0;
    double seconds = 0;
    const std::string signature = resumeSignature(o); // what a continuation must share
    // A branch interrupted in its cooldown resumes from its own checkpoint, like any run.
    const bool ownCheckpoint = fs::exists(checkpointPath(o.out));
    if (o.resume && (ownCheckpoint || o.branchFrom.empty())) {
        const auto state = loadCheckpoint(o.out, *model, *opt, device, signature);
        if (!state) throw OptionError("option --resume: no checkpoint in '" + o.out + "'");
        start = state->step;
        seconds = state->seconds;
    } else if (!o.branchFrom.empty()) {
        start = startBranch(o, *model, *opt, device).step; // its seconds are the parent's, not this run's
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    const double na = activeParams(arch);
    Json startEvent = Json::object();
    startEvent.set("params", totalParams(arch));
    startEvent.set("active_params", na);
    startEvent.set("embedding_params", embeddingParams(arch));
    startEvent.set("sparsity", sparsityOf(arch.experts, arch.active_experts));
    startEvent.set("steps", static_cast<double>(total));
    startEvent.set("tokens_planned", static_cast<double>(total * o.tokensPerStep()));
    startEvent.set("flops_planned", 6.0 * na * double(total * o.tokensPerStep()));
    startEvent.set("device", device.str() + (bf16 ? " bf16" : " fp32"));
    startEvent.set("resumed_from", static_cast<double>(start));
    startEvent.set("schedule", o.schedule);
    startEvent.set("branch_from", o.branchFrom.empty() ? Json() : Json(o.branchFrom));
    startEvent.set("world", o.world);
    startEvent.set("process_group", dp ? Json(dp->backend()) : Json());
    startEvent.set("data", data.description());
    emitEvent("start", startEvent);

    int64_t step = start;
    const double eq9 = flopsPerToken(arch);
    // A non-finite loss ends the run as a failure: result.json says "diverged", runs.csv gets no row.
    auto diverged = [&](int64_t at) {
        if (!lead) return 1;
        RunRecord record{o, std::nan(""), static_cast<double>(at * o.tokensPerStep()), seconds, device.str()};
        record.status = "diverged";
        std::string error;
        if (!writeRunRecord(record, error)) emitError(error);
        emitError("loss became non-finite at step " + std::to_string(at) + " (lr " + formatNumber(o.lr) +
                  "); the run diverged — try a smaller --lr or a longer --warmup");
        return 1;
    };
    auto saveHere = [&]() {
        const std::string path = saveCheckpoint(o.out, *model, *opt, {step, seconds, signature});
        Json j = Json::object();
        j.set("path", path);
        j.set("step", static_cast<double>(step));
        emitEvent("checkpoint", j);
    };
    auto keepBranchPoint = [&]() {
        const std::string path = branchPointPath(o.out, step);
        fs::create_directories(fs::path(path).parent_path());
        saveCheckpointFile(path, *model, *opt, {step, seconds, signature});
        Json j = Json::object();
        j.set("path", path);
        j.set("step", static_cast<double>(step));
        emitEvent("branch_point", j);
    };
    try {
        const int64_t logEvery = std::max<int64_t>(1, total / 500);
        while (step < total) {
            const double lr = learningRate(o, step, total);
            for (auto& group : opt->param_groups())
                static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            const auto t0 = Clock::now();
            const bool stopHere = gSignal || (o.stopAt > 0 && step + 1 == o.stopAt && step + 1 < total);
            const StepResult r =
                trainStep(model, *opt, data, o, step, device, bf16, fusedAdam, dp.get(), stopHere);
            if (device.is_cuda()) torch::cuda::synchronize();
            const double dt = since(t0);
            seconds += dt;
            ++step;
            if (!std::isfinite(r.loss)) return diverged(step);
            if (step % logEvery == 0 || step == total || step == start + 1) {
                Json j = Json::object();
                j.set("step", static_cast<double>(step));
                j.set("tokens", static_cast<double>(step * o.tokensPerStep()));
                j.set("loss", r.loss);
                j.set("lr", lr);
                j.set("lb_loss", r.lb);
                j.set("z_loss", r.z);
                j.set("tokens_per_s", o.tokensPerStep() / dt);
                j.set("tflops", eq9 * o.tokensPerStep() / dt / 1e12);
                j.set("expert_tokens", countsJson(r.counts));
                emitEvent("step", j);
            }
            if (lead && step % o.evalEvery == 0 && step < total) {
                Json j = Json::object();
                j.set("step", static_cast<double>(step));
                j.set("val_loss", evaluate(model, data, o, device, bf16));
                emitEvent("eval", j);
            }
            if (lead && o.checkpointEvery > 0 && step % o.checkpointEvery == 0 && step < total) saveHere();
            if (lead && std::find(o.keepAt.begin(), o.keepAt.end(), step) != o.keepAt.end())
                keepBranchPoint();
            if (r.stop) {
                if (!lead) return 130;
                saveHere();
                const bool planned = o.stopAt > 0 && step == o.stopAt;
                emitError(planned ? "stopped at step " + std::to_string(step) +
                                        " (--stop-at); continue with --resume"
                          : gSignal ? "interrupted by signal " + std::to_string(int(gSignal)) + " at step " +
                                          std::to_string(step) + "; continue with --resume"
                                    : "another rank was interrupted at step " + std::to_string(step) +
                                          "; continue with --resume");
                return 130;
            }
        }
    } catch (const c10::Error& e) {
        if (!isOutOfMemory(e)) throw;
        emitError(outOfMemoryMessage(o, device, step));
        return 1;
    } catch (const std::bad_alloc&) {
        emitError(outOfMemoryMessage(o, device, step));
        return 1;
    }

    if (!lead) return 0;
    const double valLoss = evaluate(model, data, o, device, bf16);
    if (!std::isfinite(valLoss)) return diverged(step);
    Json evalEvent = Json::object();
    evalEvent.set("step", static_cast<double>(step));
    evalEvent.set("val_loss", valLoss);
    emitEvent("eval", evalEvent);
    saveHere();
    RunRecord record{o, valLoss, static_cast<double>(step * o.tokensPerStep()), seconds,
                     device.str() + (o.world > 1 ? " x" + std::to_string(o.world) : "")};
    record.trainedTokens =
        static_cast<double>((step - (o.branchFrom.empty() ? 0 : o.branchAt)) * o.tokensPerStep());
    std::string error;
    if (!writeRunRecord(record, error)) {
        emitError(error);
        return 1;
    }
    Json done = Json::object();
    done.set("val_loss", valLoss);
    done.set("tokens", record.tokens);
    done.set("flops", 6.0 * na * record.tokens);
    done.set("seconds", seconds);
    emitEvent("done", done);
    return 0;
}

int benchmark(const TrainerOptions& o) {
    const torch::Device device = chooseDevice(o.device);
    const bool bf16 = useBf16(o, device);
    const bool fusedAdam = useFusedAdamW(o, device), chunked = useChunkedLoss(o, device);
    if (o.threads > 0) torch::set_num_threads(o.threads);
    prepareCpu(device);
    const Architecture arch = o.architecture();
    const TokenData data(o.vocab, std::max<int64_t>(1 << 20, 4 * o.ctx * o.batch), o.ctx, o.seed);
    torch::manual_seed(o.seed);
    MoeTransformer model(arch, o.heads);
    model->setExpertsGemm(expertsGemm(o));
    model->setFusedNorms(useFusedNorms(o, device));
    model->to(device);
    auto opt = makeOptimizer(model, o);
    auto sync = [&] {
        if (device.is_cuda()) torch::cuda::synchronize();
    };
    for (int i = 0; i < 2; ++i)
        trainStep(model, *opt, data, o, i, device, bf16, fusedAdam); // warm-up
    sync();
    double fwd = 0, bwd = 0, optim = 0;
    const auto t0 = Clock::now();
    for (int s = 0; s < o.benchSteps; ++s) {
        opt->zero_grad();
        for (int micro = 0; micro < o.gradAccum; ++micro) {
            auto [x, y] = data.trainBatch(o.seed, s, micro, o.batch);
            x = x.to(device), y = y.to(device);
            auto t = Clock::now();
            const ModelOutput out = forward(model, x, bf16, chunked);
            const auto loss = crossEntropy(model, out, y, bf16, chunked) + o.lb * out.lb + o.z * out.z;
            sync();
            fwd += since(t);
            t = Clock::now();
            loss.backward();
            sync();
            bwd += since(t);
        }
        auto t = Clock::now();
        optimizerStep(model, *opt, fusedAdam);
        sync();
        optim += since(t);
    }
    const double elapsed = since(t0);
    const double tokensPerS = double(o.benchSteps) * o.tokensPerStep() / elapsed;
    const double tflops = flopsPerToken(arch) * tokensPerS / 1e12;
    const std::string product =
        device.is_cuda() ? cudaDeviceName(device.has_index() ? device.index() : 0) : "";
    Json j = Json::object();
    j.set("device", device.str() + (bf16 ? " bf16" : " fp32"));
    j.set("device_name", product.empty() ? Json() : Json(product));
    j.set("params", totalParams(arch));
    j.set("active_params", activeParams(arch));
    j.set("tokens_per_s", tokensPerS);
    j.set("tflops", tflops);
    // MFU only against a known bf16 peak: fp32 or an unknown device has none to claim.
    const double peak = bf16 ? denseBf16PeakTflops(product) : 0.0;
    j.set("peak_tflops", peak > 0 ? Json(peak) : Json());
    j.set("mfu", peak > 0 ? Json(tflops / peak) : Json());
    Json split = Json::object();
    split.set("forward", fwd / elapsed);
    split.set("backward", bwd / elapsed);
    split.set("optimizer", optim / elapsed);
    j.set("time_share", split);
    j.set("seconds", elapsed);
    j.set("steps", o.benchSteps);
    j.set("tokens_per_step", static_cast<double>(o.tokensPerStep()));
    j.set("experts_gemm", o.expertsGemm);
    j.set("adamw", fusedAdam ? "fused" : "loop");
    j.set("loss", chunked ? "chunked" : "full");
    j.set("norm", useFusedNorms(o, device) ? "fused" : "plain");
    emitEvent("bench", j);
    if (!o.benchTrace.empty()) {
        traceSteps(o.benchTrace, device.is_cuda(), [&] {
            for (int i = 0; i < 2; ++i)
                trainStep(model, *opt, data, o, o.benchSteps + i, device, bf16, fusedAdam);
            sync();
        });
        Json t = Json::object();
        t.set("trace", o.benchTrace);
        t.set("steps", 2);
        emitEvent("bench_trace", t);
    }
    return 0;
}

} // namespace moescope::trainer
