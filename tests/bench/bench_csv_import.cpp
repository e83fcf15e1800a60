// Issue 16, goal 1, on a 1,000,000-row, 5-column numeric CSV, against Python's csv module in the same run:
//  - in process: MoEScope's import into a run table at least 2x as fast as csv.reader only tokenising;
//  - whole process: `moescope-cli import FILE --json` within 2x of `python3` tokenising it with csv.reader,
//    and at most 120 bytes of peak resident memory per row.
// Usage: bench_csv_import [ROWS]
#include "core/io/RunImporter.h"
#include "tests/bench/BenchStats.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

struct ProcessRun {
    double seconds = -1;
    long maxRssKiB = 0;
    std::string output;
};

// Runs argv (no shell) with stdout captured, stderr dropped; wall time and peak memory from wait4.
ProcessRun runProcess(const std::vector<std::string>& argv) {
    ProcessRun r;
    int out[2];
    if (pipe(out) != 0) return r;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) {
        close(out[0]);
        return r;
    }
    char buf[4096];
    for (ssize_t k; (k = read(out[0], buf, sizeof buf)) > 0;)
        r.output.append(buf, static_cast<size_t>(k));
    close(out[0]);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.maxRssKiB = usage.ru_maxrss;
    }
    return r;
}

std::string siblingTool(const char* relative) {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return relative;
    std::string dir(self, static_cast<size_t>(n));
    return dir.substr(0, dir.rfind('/') + 1) + relative;
}

} // namespace

int main(int argc, char** argv) {
    const int rows = argc > 1 ? std::atoi(argv[1]) : 1000000;
    if (rows < 1) {
        std::fprintf(stderr, "usage: bench_csv_import [ROWS]   (ROWS a positive whole number, got '%s')\n",
                     argv[1]);
        return 2;
    }
    char pathTemplate[] = "/tmp/moescope_bench_import_XXXXXX";
    const int fd = mkstemp(pathTemplate);
    if (fd < 0) return 1;
    close(fd);
    const std::string path = pathTemplate;
    {
        std::ofstream out(path);
        std::mt19937_64 rng(1);
        std::uniform_real_distribution<double> u(0, 1);
        out << "params,tokens,loss,sparsity,budget\n";
        char line[160];
        for (int i = 0; i < rows; ++i) {
            std::snprintf(line, sizeof line, "%.6e,%.6e,%.6f,%.4f,%.1e\n", 1e8 * (1 + 100 * u(rng)),
                          1e9 * (1 + 100 * u(rng)), 2 + u(rng), 0.9 * u(rng), 1e20);
            out << line;
        }
    }
    const int reps = 7;
    bench::Goals goals;

    // Whole process first, while this process is small: a child's peak memory counts what it shared with
    // its parent before exec. Start-up, mapping, parsing and the report, as a user runs it.
    const std::string cli = siblingTool("../../app/moescope-cli");
    const char* tokeniseOnce = "import csv, sys\n"
                               "with open(sys.argv[1], newline='') as f:\n"
                               "    for row in csv.reader(f): pass\n";
    bench::Sample cliTime, pyTime;
    long cliRss = 0, pyRss = 0;
    for (int i = 0; i < reps; ++i) {
        const ProcessRun c = runProcess({cli, "import", path, "--json"});
        const ProcessRun p = runProcess({"/usr/bin/python3", "-c", tokeniseOnce, path});
        if (c.seconds < 0 || p.seconds < 0 ||
            c.output.find("\"rows_valid\":" + std::to_string(rows)) == std::string::npos) {
            std::fprintf(stderr, "csv import: %s or python3 failed\n", cli.c_str());
            std::remove(path.c_str());
            return 1;
        }
        cliTime.values.push_back(c.seconds), pyTime.values.push_back(p.seconds);
        cliRss = std::max(cliRss, c.maxRssKiB), pyRss = std::max(pyRss, p.maxRssKiB);
    }
    std::printf("csv import: whole process `moescope-cli import FILE --json`: min %.3f s, median %.3f s, "
                "peak %.1f MiB; python3 csv.reader: min %.3f s, median %.3f s, peak %.1f MiB\n",
                cliTime.min(), cliTime.median(), cliRss / 1024.0, pyTime.min(), pyTime.median(),
                pyRss / 1024.0);
    goals.check("csv import",
                "whole process, MoEScope time / python3 time (min of each):", cliTime.min() / pyTime.min(),
                false, 2.0);
    const double bytesPerRow = cliRss * 1024.0 / rows;
    std::printf("csv import: whole process peak memory %.0f bytes per row\n", bytesPerRow);
    goals.check("csv import", "whole process, bytes per row / 120 bytes:", bytesPerRow / 120, false, 1.0);
    // In process: the import the window and every command use, runs kept in a table.
    size_t imported = 0;
    bool ok = true;
    const bench::Sample ours = bench::timeRepeated(
        [&] {
            const moescope::ImportResult r = moescope::importRunsFile(path, {});
            imported = r.table.runs.size();
            ok = ok && r.ok();
        },
        reps);
    // Python reads with csv.reader and does nothing with the rows: the floor any importer must beat.
    const char* tokenise = "import csv, sys, time\n"
                           "for _ in range(int(sys.argv[2])):\n"
                           "    t = time.perf_counter()\n"
                           "    with open(sys.argv[1], newline='') as f:\n"
                           "        for row in csv.reader(f): pass\n"
                           "    print(time.perf_counter() - t)\n";
    const ProcessRun py = runProcess({"/usr/bin/python3", "-c", tokenise, path, std::to_string(reps)});
    bench::Sample python;
    for (size_t p = 0; p < py.output.size();) {
        const size_t e = py.output.find('\n', p);
        python.values.push_back(std::atof(py.output.substr(p, e - p).c_str()));
        p = e == std::string::npos ? py.output.size() : e + 1;
    }
    if (!ok || imported != static_cast<size_t>(rows)) {
        std::fprintf(stderr, "csv import: the import failed or lost rows (%zu of %d)\n", imported, rows);
        std::remove(path.c_str());
        return 1;
    }
    std::printf("csv import: %zu rows x 5 columns into a run table: min %.3f s, median %.3f s (%d runs)\n",
                imported, ours.min(), ours.median(), reps);
    if (python.values.size() == static_cast<size_t>(reps)) {
        std::printf("csv import: Python csv.reader only tokenising: min %.3f s, median %.3f s\n",
                    python.min(), python.median());
        std::printf("csv import: median ratio %.2fx\n", python.median() / ours.median());
        goals.check("csv import",
                    "in process, csv.reader time / MoEScope time (min of each):", python.min() / ours.min(),
                    true, 2.0);
    } else {
        std::printf("csv import: Python reference unavailable (goal MISSED: nothing to compare with)\n");
        goals.check("csv import", "in process, no reference:", 0, true, 2.0);
    }

    std::remove(path.c_str());
    return goals.exitCode();
}
