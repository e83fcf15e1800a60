#include "core/jobs/TrainerJob.h"

#include "core/io/CsvWriter.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace moescope {

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

bool splitArguments(const std::string& text, std::vector<std::string>& words, std::string& error) {
    words.clear();
    std::string word;
    bool inWord = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) < 0x20 && c != ' ' && c != '\t')
            return error = "a control character at character " + std::to_string(i + 1), false;
        if (c == ' ' || c == '\t') {
            if (inWord) words.push_back(word), word.clear(), inWord = false;
            continue;
        }
        inWord = true;
        if (c == '\'') {
            const size_t end = text.find('\'', i + 1);
            if (end == std::string::npos)
                return error = "unterminated single quote at character " + std::to_string(i + 1), false;
            word.append(text, i + 1, end - i - 1);
            i = end;
        } else if (c == '"') {
            size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j) {
                if (text[j] == '\\' && j + 1 < text.size() &&
                    std::string_view("\"\\$`").find(text[j + 1]) != std::string_view::npos)
                    ++j;
                word.push_back(text[j]);
            }
            if (j >= text.size())
                return error = "unterminated double quote at character " + std::to_string(i + 1), false;
            i = j;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) return error = "a backslash at the end", false;
            word.push_back(text[++i]);
        } else {
            word.push_back(c);
        }
    }
    if (inWord) words.push_back(word);
    return true;
}

std::string defaultJobName(const TrainerJob& j) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "d%g-l%g-e%gk%g-c%.3g", j.arch.d_model, j.arch.n_layers, j.arch.experts,
                  j.arch.active_experts, j.budget);
    return buf;
}

std::vector<std::string> trainerArguments(const TrainerJob& j, const std::string& outDir) {
    const std::string name = j.name.empty() ? defaultJobName(j) : j.name;
    std::vector<std::string> a = {"--d-model",     formatNumber(j.arch.d_model),
                                  "--layers",      formatNumber(j.arch.n_layers),
                                  "--heads",       std::to_string(j.heads),
                                  "--experts",     formatNumber(j.arch.experts),
                                  "--active",      formatNumber(j.arch.active_experts),
                                  "--granularity", formatNumber(j.arch.granularity),
                                  "--ctx",         formatNumber(j.arch.ctx),
                                  "--vocab",       formatNumber(j.arch.vocab),
                                  "--budget",      formatNumber(j.budget),
                                  "--name",        name};
    if (!outDir.empty()) a.insert(a.end(), {"--out", outDir + "/" + name});
    a.insert(a.end(), j.extra.begin(), j.extra.end());
    return a;
}

namespace {

// A control character (a newline above all) would end the line it is written on and start a command.
void refuseControl(const std::string& what, const std::string& value) {
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f)
            throw std::invalid_argument(what + " '" + value + "' holds a control character; refused");
}

// sbatch reads `#SBATCH` lines with its own tokenizer, which honours double quotes but not the shell's
// escapes: a value goes in double quotes, and one holding a double quote or a backslash is refused.
std::string sbatchQuote(const std::string& what, const std::string& value) {
    refuseControl(what, value);
    if (value.find_first_of("\"\\") != std::string::npos)
        throw std::invalid_argument(what + " '" + value +
                                    "' holds a quote or backslash, which #SBATCH lines cannot carry");
    return "\"" + value + "\"";
}

} // namespace

std::string slurmArrayScript(const std::vector<TrainerJob>& jobs, const std::string& shared,
                             const std::string& trainer, const std::string& requested, int gpusPerTask) {
    if (gpusPerTask < 1) throw std::invalid_argument("GPUs per task must be ≥ 1");
    std::string sbatchOptions = requested;
    if (gpusPerTask > 1 && requested == kDefaultSbatchOptions)
        sbatchOptions = "--gpus-per-task=" + std::to_string(gpusPerTask) + " --ntasks=1 --time=24:00:00";
    refuseControl("shared folder", shared);
    refuseControl("trainer path", trainer);
    std::ostringstream s;
    s << "#!/usr/bin/env bash\n"
      << "# MoEScope calibration sweep: " << jobs.size() << " moescope-train runs, one per array task.\n"
      << "# Submit with `sbatch THIS_FILE`; when they are done, `moescope-cli import-results "
      << shellQuote(shared) << "`.\n"
      << "#SBATCH --job-name=moescope-sweep\n"
      << "#SBATCH --array=0-" << (jobs.empty() ? 0 : jobs.size() - 1) << "\n";
    std::istringstream opts(sbatchOptions);
    for (std::string o; opts >> o;) {
        // --name=value or --flag, each value quoted for sbatch.
        const auto eq = o.find('=');
        if (o.rfind("-", 0) != 0)
            throw std::invalid_argument("sbatch option '" + o + "' must start with '-'");
        if (eq == std::string::npos)
            s << "#SBATCH " << (sbatchQuote("sbatch option", o), o) << "\n";
        else
            s << "#SBATCH " << o.substr(0, eq + 1) << sbatchQuote("sbatch option", o.substr(eq + 1)) << "\n";
    }
    s << "#SBATCH --output=" << sbatchQuote("shared folder", shared + "/slurm-%A_%a.log") << "\n"
      << "set -euo pipefail\n"
      << "mkdir -p " << shellQuote(shared) << "\n"
      << "case \"${SLURM_ARRAY_TASK_ID:?run this script through sbatch, or set SLURM_ARRAY_TASK_ID}\" in\n";
    for (size_t i = 0; i < jobs.size(); ++i) {
        const std::string name = jobs[i].name.empty() ? defaultJobName(jobs[i]) : jobs[i].name;
        refuseControl("job name", name);
        s << "  " << i << ") out=" << shellQuote(shared + "/" + name) << "; args=(";
        for (const auto& a : trainerArguments(jobs[i], shared)) {
            refuseControl("trainer argument", a);
            s << " " << shellQuote(a);
        }
        s << " ) ;;\n";
    }
    s << "  *) echo \"no task ${SLURM_ARRAY_TASK_ID}\" >&2; exit 2 ;;\nesac\n"
      << "# A finished run is counted once: a re-run task leaves it as it is.\n"
      << "if [ -f \"$out/result.json\" ]; then echo \"$out: already done\" >&2; exit 0; fi\n"
      << "# A re-queued task resumes from its checkpoint instead of starting over.\n"
      << "resume=()\n"
      << "[ -f \"$out/checkpoint.pt\" ] && resume=(--resume)\n"
      << "exec " << shellQuote(trainer)
      << (gpusPerTask > 1 ? " --nproc " + std::to_string(gpusPerTask) : std::string())
      << " \"${args[@]}\" \"${resume[@]}\"\n";
    return s.str();
}

} // namespace moescope
