#pragma once
// What every benchmark prints (ARCHITECTURE.md §8): min and median of at least five repetitions, the goal,
// and whether it was met; main returns non-zero when a goal was missed, so `make bench` fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace bench {

struct Sample {
    std::vector<double> values;
    double min() const { return *std::min_element(values.begin(), values.end()); }
    double max() const { return *std::max_element(values.begin(), values.end()); }
    double median() const {
        std::vector<double> v = values;
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    }
};

constexpr int kRepetitions = 5;

// Seconds per call of `work`, `reps` times.
inline Sample timeRepeated(const std::function<void()>& work, int reps = kRepetitions) {
    Sample s;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        work();
        s.values.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return s;
}

// Counts missed goals across a benchmark's lines.
class Goals {
public:
    // "NAME: WHAT ratio R (goal >= G: met)"; a ratio is "bigger is better" when atLeast.
    bool check(const std::string& name, const std::string& what, double ratio, bool atLeast, double goal) {
        const bool met = atLeast ? ratio >= goal : ratio <= goal;
        std::printf("%s: %s %.2fx (goal %s %gx: %s)\n", name.c_str(), what.c_str(), ratio,
                    atLeast ? ">=" : "<=", goal, met ? "met" : "MISSED");
        missed_ += !met;
        return met;
    }
    int exitCode() const { return missed_ ? 1 : 0; }

private:
    int missed_ = 0;
};

} // namespace bench
