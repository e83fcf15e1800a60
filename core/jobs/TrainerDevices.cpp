#include "core/jobs/TrainerDevices.h"

#include "core/io/Json.h"

#include <cmath>
#include <cstdlib>

namespace moescope {

namespace {

bool validId(const std::string& id) {
    if (id == "cpu") return true;
    if (id.rfind("cuda:", 0) != 0 || id.size() < 6 || id.size() > 9) return false;
    for (size_t i = 5; i < id.size(); ++i)
        if (id[i] < '0' || id[i] > '9') return false;
    return std::atoi(id.c_str() + 5) < 1024 && (id.size() == 6 || id[5] != '0');
}

bool printable(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return s.size() <= 200;
}

} // namespace

bool parseTrainerDevices(const std::string& text, const std::string& trainer,
                         std::vector<TrainerDevice>& devices, std::string& error) {
    devices.clear();
    Json doc;
    if (!Json::parse(text, doc, error))
        return error = trainer + " --devices --json: not JSON (" + error + ")", false;
    const Json* list = doc.isObject() ? doc.find("devices") : nullptr;
    if (!list || !list->isArray() || list->size() > 64)
        return error = trainer + " --devices --json: no \"devices\" list of at most 64", false;
    for (size_t i = 0; i < list->size(); ++i) {
        const Json& d = list->at(i);
        const std::string where = trainer + " --devices --json: device " + std::to_string(i + 1);
        TrainerDevice t;
        t.trainer = trainer;
        if (!d.isObject() || !d["id"].isString() || !validId(d["id"].string()))
            return error = where + ": 'id' must be cpu or cuda:N", false;
        t.id = d["id"].string();
        t.name = d["name"].isString() ? d["name"].string() : t.id;
        if (!printable(t.name)) return error = where + ": 'name' must be printable text", false;
        for (auto [key, value] :
             {std::pair{"memory_bytes", &t.memoryBytes}, {"bf16_peak_tflops", &t.bf16PeakTflops}}) {
            const Json* v = d.find(key);
            if (!v || v->isNull()) continue;
            if (!v->isNumber() || !(v->number() >= 0) || !std::isfinite(v->number()))
                return error = where + ": '" + key + "' must be a number ≥ 0", false;
            *value = v->number();
        }
        devices.push_back(t);
    }
    return true;
}

std::vector<TrainerDevice> mergeTrainerDevices(const std::vector<std::vector<TrainerDevice>>& lists) {
    std::vector<TrainerDevice> all;
    for (const auto& list : lists)
        for (const TrainerDevice& d : list) {
            bool seen = false;
            for (const TrainerDevice& a : all)
                seen = seen || a.id == d.id;
            if (!seen) all.push_back(d);
        }
    return all;
}

const TrainerDevice* findTrainerDevice(const std::vector<TrainerDevice>& devices, const std::string& device) {
    const std::string id = device == "cuda" ? "cuda:0" : device;
    for (const TrainerDevice& d : devices)
        if (d.id == id) return &d;
    return nullptr;
}

std::string trainerForDevice(const std::vector<TrainerDevice>& devices, const std::string& device,
                             const std::string& fallback) {
    if (device == "auto")
        for (const TrainerDevice& d : devices)
            if (d.cuda()) return d.trainer;
    const TrainerDevice* d = findTrainerDevice(devices, device);
    return d ? d->trainer : fallback;
}

} // namespace moescope
