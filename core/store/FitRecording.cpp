#include "core/store/FitRecording.h"

namespace moescope {

bool lawFitRecord(const AnalysisSnapshot& s, FitRecord& record) {
    if (!s.lawFit) return false;
    Json settings = Json::object();
    Json plan = planJson(s.plan);
    plan.set("law", s.lawId); // the law actually fitted, auto resolved
    settings.set("plan", plan);
    record = FitRecord{};
    record.law = s.lawFit->law;
    record.settingsJson = settings.dump();
    record.resultJson = lawFitJson(*s.lawFit).dump();
    return true;
}

bool planOfRecord(const FitRecord& record, AnalysisPlan& plan, std::string& error) {
    Json settings;
    if (!Json::parse(record.settingsJson, settings, error)) return error = "fit record: " + error, false;
    const Json* p = settings.find("plan");
    if (!p) return error = "fit record " + std::to_string(record.id) + " holds no analysis plan", false;
    plan = AnalysisPlan{};
    return planFromJson(*p, plan, error);
}

} // namespace moescope
