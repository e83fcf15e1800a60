// moescope-cli tokenize: trains a SentencePiece model on a corpus (or loads one) and writes the corpus as
// nanoGPT-style uint16 tokens for moescope-train. It lives here, not in the trainer, because Debian's
// libsentencepiece and LibTorch cannot share a process (their protobuf registrations collide).
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/io/Json.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <unordered_map>

namespace fs = std::filesystem;

namespace moescope::cli {

namespace {
// The corpus's lines, handed to SentencePiece one by one: no file name ever passes through its option
// parser, so a corpus named `a.txt --user_defined_symbols=X`, or one with a comma or a space, is only a name.
class LineIterator : public sentencepiece::SentenceIterator {
public:
    explicit LineIterator(const std::string& text) : text_(text) { Next(); }
    bool done() const override { return done_; }
    void Next() override {
        if (pos_ > text_.size()) {
            done_ = true;
            return;
        }
        const size_t end = std::min(text_.find('\n', pos_), text_.size());
        line_.assign(text_, pos_, end - pos_);
        pos_ = end + 1;
    }
    const std::string& value() const override { return line_; }
    sentencepiece::util::Status status() const override { return {}; }

private:
    const std::string& text_;
    size_t pos_ = 0;
    std::string line_;
    bool done_ = false;
};

std::string readCorpus(const std::string& path, std::vector<std::string>& files) {
    if (fs::is_directory(path)) {
        for (const auto& e : fs::recursive_directory_iterator(path))
            if (e.is_regular_file()) files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(path);
    }
    std::string text;
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return text;
}
} // namespace

int tokenizeCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    const CliArgs args(rawArgs, {{"vocab"}, {"model"}, {"out"}, {"json", false}});
    if (args.positionals().size() != 1) throw UsageError("tokenize: expected one CORPUS (file or folder)");
    const std::string corpus = args.positionals()[0];
    if (!fs::exists(corpus)) throw UsageError("tokenize: corpus '" + corpus + "' does not exist");
    if (!args.has("out")) throw UsageError("option --out is required (a folder for the model and tokens)");
    const std::string dir = args.value("out");
    const int vocab = args.integer("vocab", 4096);
    if (vocab < 16 || vocab > 65535)
        throw UsageError("option --vocab: must lie in 16..65535 (tokens are uint16)");
    fs::create_directories(dir);

    std::string model = args.value("model");
    std::vector<std::string> files;
    const std::string text = readCorpus(corpus, files);
    if (model.empty()) {
        model = dir + "/sp.model";
        // Options field by field (SentencePiece sets each by its name), never one string to be split.
        const std::unordered_map<std::string, std::string> options = {{"model_prefix", dir + "/sp"},
                                                                      {"vocab_size", std::to_string(vocab)},
                                                                      {"model_type", "bpe"},
                                                                      {"character_coverage", "1.0"},
                                                                      {"input_sentence_size", "2000000"},
                                                                      {"shuffle_input_sentence", "true"},
                                                                      {"minloglevel", "2"}};
        LineIterator lines(text);
        const auto status = sentencepiece::SentencePieceTrainer::Train(options, &lines);
        if (!status.ok()) {
            err << "tokenize: training SentencePiece failed: " << status.ToString() << "\n";
            return status.code() == sentencepiece::util::StatusCode::kInvalidArgument ? 2 : 1;
        }
    }
    sentencepiece::SentencePieceProcessor sp;
    if (!sp.Load(model).ok()) throw UsageError("option --model: cannot load '" + model + "'");
    std::vector<int> ids;
    if (!sp.Encode(text, &ids).ok()) {
        err << "tokenize: encoding failed\n";
        return 1;
    }
    std::vector<uint16_t> tokens(ids.begin(), ids.end());
    const std::string bin = dir + "/tokens.bin", tmp = bin + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        f.write(reinterpret_cast<const char*>(tokens.data()),
                static_cast<std::streamsize>(tokens.size() * 2));
        if (!f) {
            err << "tokenize: cannot write " << tmp << "\n";
            return 1;
        }
    }
    fs::rename(tmp, bin);
    Json j = Json::object();
    j.set("model", model);
    j.set("vocab", sp.GetPieceSize());
    j.set("tokens", static_cast<double>(tokens.size()));
    j.set("bytes", static_cast<double>(text.size()));
    j.set("out", bin);
    if (args.has("json"))
        out << j.dump() << "\n";
    else
        out << "tokenize: " << tokens.size() << " tokens (" << double(text.size()) / tokens.size()
            << " bytes/token) from " << files.size() << " file(s) -> " << bin << "; train with --data " << bin
            << " --vocab " << sp.GetPieceSize() << "\n";
    return 0;
}

} // namespace moescope::cli
