#include "traffic/pipeline/model_card_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace traffic::pipeline {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A confusion matrix as a table, each cell shaded by its share of its row (the actual level).
std::string ConfusionTable(const std::string& title, const model::ClassificationReport& r) {
  std::string s = fmt::format("<table class=cm><caption>{} (macro-F1 {:.3f}, accuracy {:.3f})</caption>", Escape(title),
                              r.macro_f1, r.accuracy);
  s += "<tr><th>actual \\ forecast</th>";
  for (auto name : model::kClassNames) s += fmt::format("<th>{}</th>", name);
  s += "</tr>";
  for (size_t a = 0; a < model::kNumClasses; ++a) {
    int64_t row_total = 0;
    for (int64_t n : r.confusion[a]) row_total += n;
    s += fmt::format("<tr><th>{}</th>", model::kClassNames[a]);
    for (size_t f = 0; f < model::kNumClasses; ++f) {
      const double share = row_total > 0 ? static_cast<double>(r.confusion[a][f]) / static_cast<double>(row_total) : 0;
      s += fmt::format("<td style=\"background:rgba(37,99,235,{:.2f})\">{}<br><small>{:.0f}%</small></td>",
                       0.08 + 0.8 * share, r.confusion[a][f], 100 * share);
    }
    s += "</tr>";
  }
  return s + "</table>";
}

// Share right against mean confidence per bin; a calibrated model lies on the diagonal.
std::string ReliabilitySvg(const model::Calibration& c) {
  constexpr double kSize = 220, kPad = 30, kPlot = kSize - 2 * kPad;
  auto x = [&](double v) { return kPad + v * kPlot; };
  auto y = [&](double v) { return kSize - kPad - v * kPlot; };
  std::string s =
      fmt::format("<svg viewBox=\"0 0 {0} {0}\" width={0} height={0} role=img aria-label=\"reliability\">", kSize);
  s += fmt::format("<rect x={0} y={0} width={1} height={1} fill=none stroke=#999 />", kPad, kPlot);
  s += fmt::format("<line x1={} y1={} x2={} y2={} stroke=#bbb stroke-dasharray=4 />", x(0), y(0), x(1), y(1));
  int64_t most = 1;
  for (const auto& b : c.bins) most = std::max(most, b.examples);
  std::string points;
  for (const auto& b : c.bins) {
    if (b.examples == 0) continue;
    points += fmt::format("{:.1f},{:.1f} ", x(b.mean_confidence), y(b.share_right));
    s += fmt::format(
        "<circle cx={:.1f} cy={:.1f} r={:.1f} fill=#2563eb><title>{:.2f} -> {:.2f} ({} examples)</title></circle>",
        x(b.mean_confidence), y(b.share_right), 2 + 5 * static_cast<double>(b.examples) / static_cast<double>(most),
        b.mean_confidence, b.share_right, b.examples);
  }
  s += fmt::format("<polyline points=\"{}\" fill=none stroke=#2563eb />", points);
  s += fmt::format("<text x={} y={} font-size=10 text-anchor=middle>confidence published</text>", kSize / 2, kSize - 6);
  s += fmt::format("<text x=10 y={} font-size=10 transform=\"rotate(-90 10 {})\" text-anchor=middle>share right</text>",
                   kSize / 2, kSize / 2);
  s += fmt::format("<text x={} y={} font-size=10>Brier {:.3f}</text>", kPad + 4, kPad + 12, c.brier);
  return s + "</svg>";
}

// Macro-F1 by New York hour of day of t, the model against both baselines.
std::string HourSvg(const std::array<HorizonResult::DayTypeScores, 24>& hours) {
  constexpr double kW = 460, kH = 220, kPad = 30;
  double low = 1;
  for (const auto& h : hours) {
    if (h.examples == 0) continue;
    low = std::min({low, h.model_macro_f1, h.persistence_macro_f1, h.profile_macro_f1});
  }
  low = std::max(0.0, std::floor(low * 10) / 10);
  auto x = [&](int hour) { return kPad + hour * (kW - 2 * kPad) / 23.0; };
  auto y = [&](double v) { return kH - kPad - (v - low) / (1 - low) * (kH - 2 * kPad); };
  std::string s = fmt::format("<svg viewBox=\"0 0 {} {}\" width={} height={} role=img aria-label=\"macro-F1 by hour\">",
                              kW, kH, kW, kH);
  s += fmt::format("<rect x={} y={} width={} height={} fill=none stroke=#999 />", kPad, kPad, kW - 2 * kPad,
                   kH - 2 * kPad);
  for (int hour = 0; hour < 24; hour += 3) {
    s += fmt::format("<text x={:.1f} y={} font-size=10 text-anchor=middle>{}h</text>", x(hour), kH - 12, hour);
  }
  s += fmt::format("<text x=4 y={:.1f} font-size=10>{:.1f}</text><text x=4 y={:.1f} font-size=10>1.0</text>",
                   y(low) + 3, low, y(1) + 3);
  struct Line {
    const char* name;
    const char* color;
    double HorizonResult::DayTypeScores::*value;
  };
  const Line lines[] = {{"model", "#2563eb", &HorizonResult::DayTypeScores::model_macro_f1},
                        {"persistence", "#ea580c", &HorizonResult::DayTypeScores::persistence_macro_f1},
                        {"profile", "#6b7280", &HorizonResult::DayTypeScores::profile_macro_f1}};
  int legend = 0;
  for (const Line& line : lines) {
    std::string points;
    for (int hour = 0; hour < 24; ++hour) {
      const auto& h = hours[static_cast<size_t>(hour)];
      if (h.examples > 0) points += fmt::format("{:.1f},{:.1f} ", x(hour), y(h.*line.value));
    }
    s += fmt::format("<polyline points=\"{}\" fill=none stroke=\"{}\" stroke-width=2 />", points, line.color);
    s += fmt::format("<text x={} y=20 font-size=11 fill=\"{}\">{}</text>", kPad + 90 * legend++, line.color, line.name);
  }
  return s + "</svg>";
}

}  // namespace

std::string RenderCardHtml(const TrainSummary& summary) {
  std::string s = fmt::format(
      "<!doctype html><html lang=en><head><meta charset=utf-8><title>Model {0}</title><style>"
      "body{{font:14px system-ui,sans-serif;margin:24px;color:#111}} h2{{margin-top:28px}}"
      ".cm{{border-collapse:collapse;margin:8px 16px 8px 0;display:inline-table}}"
      ".cm td,.cm th{{border:1px solid #ccc;padding:4px 8px;text-align:right}} caption{{text-align:left}}"
      ".win{{color:#15803d}} .lose{{color:#b91c1c;font-weight:bold}} figure{{display:inline-block;margin:0 16px}}"
      "</style></head><body><h1>Model {0}</h1><p>{1}</p><ul>",
      Escape(summary.version), Escape(summary.period_local));
  for (const auto& r : summary.horizons) {
    const double gap = r.model.macro_f1 - r.persistence.macro_f1;
    s += fmt::format(
        "<li class={}>{} min: {} persistence by {:.3f} macro-F1 ({:.3f} vs {:.3f}); the profile {:.3f}</li>",
        gap > 0 ? "win" : "lose", r.minutes, gap > 0 ? "beats" : "LOSES to", std::abs(gap), r.model.macro_f1,
        r.persistence.macro_f1, r.profile.macro_f1);
  }
  s += fmt::format("</ul><p>{}</p>",
                   summary.promoted ? (summary.not_promoted_because.empty()
                                           ? std::string("Promoted to models/latest.")
                                           : "Promoted by --promote although " + Escape(summary.not_promoted_because))
                                    : "Not promoted: " + Escape(summary.not_promoted_because));
  s += fmt::format(
      "<p>Levels, the mean trip speed of the cell over the horizon: High below {:g} mph, Medium {:g}-{:g} mph, Low "
      "above "
      "{:g} mph.</p>",
      summary.thresholds.high_below_mph, summary.thresholds.high_below_mph, summary.thresholds.low_above_mph,
      summary.thresholds.low_above_mph);
  for (const auto& r : summary.horizons) {
    s += fmt::format("<h2>{} minutes ahead</h2><p>{} test examples; decision rule {}.</p>", r.minutes, r.test_rows,
                     Escape(r.rule.ToString()));
    s += ConfusionTable("XGBoost", r.model) + ConfusionTable("persistence", r.persistence);
    s += "<div><figure>" + ReliabilitySvg(r.calibration) +
         "<figcaption>Reliability of the published confidence</figcaption></figure><figure>" + HourSvg(r.by_hour) +
         "<figcaption>Macro-F1 by New York hour of day</figcaption></figure></div>";
  }
  return s + "</body></html>\n";
}

}  // namespace traffic::pipeline
