#include "traffic/generate/oracle.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace traffic::generate {
namespace {

constexpr int kLookbackMin = 90;     // trips picked up this long before t may still end after it
constexpr int kLengthQuantiles = 8;  // of the trip length, times
constexpr int kNoiseQuantiles = 4;   // of the per-trip noise

double NormalQuantile(double p) {  // by bisection on the CDF: only called at construction
  double lo = -10, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

GeneratorTruth RecordTruth(GeneratorOptions options) {
  GeneratorTruth truth;
  options.trips_per_day = 0;  // the trips' stream is separate: leaving it out changes nothing else
  options.on_incident = [&truth](const Incident& i) { truth.incidents.push_back(i); };
  options.on_minute = [&truth](core::UtcTime start, double city_log, double share) {
    if (truth.city_log.empty()) truth.begin_s = core::ToEpochSeconds(start);
    truth.city_log.push_back(city_log);
    truth.demand.push_back(share);
  };
  TripGenerator generator(std::move(options), nullptr);
  trip::Trip unused;
  while (generator.Next(&unused)) {
  }
  std::stable_sort(truth.incidents.begin(), truth.incidents.end(),
                   [](const Incident& a, const Incident& b) { return a.start < b.start; });
  return truth;
}

Oracle::Oracle(GeneratorTruth truth) : truth_(std::move(truth)), cell_speed_(speed_model::CellSpeeds(grid_)) {
  const size_t minutes = truth_.city_log.size();
  for (int m = 0; m < 2; ++m) log_profile_[m].resize(minutes);
  for (size_t i = 0; i < minutes; ++i) {
    const int64_t start = truth_.begin_s + static_cast<int64_t>(i) * 60;
    log_profile_[0][i] = static_cast<float>(speed_model::LogProfileMph(false, start));
    log_profile_[1][i] = static_cast<float>(speed_model::LogProfileMph(true, start));
  }
  incidents_near_.resize(static_cast<size_t>(grid_.cell_count()));
  for (size_t k = 0; k < truth_.incidents.size(); ++k) {
    const geo::CellId at = truth_.incidents[k].cell;
    for (int dr = -2; dr <= 2; ++dr) {
      for (int dc = -2; dc <= 2; ++dc) {
        geo::CellId c{static_cast<int16_t>(at.row + dr), static_cast<int16_t>(at.col + dc)};
        if (grid_.Contains(c)) incidents_near_[static_cast<size_t>(grid_.Index(c))].push_back(static_cast<int>(k));
      }
    }
  }
  // Equal-probability quantiles of the lognormal length and of the noise, scaled to the unit
  // variance the midpoints fall short of (else the mean speed comes out ~1.5% low); the length's
  // truncation to 0.15..40 mi lies beyond 3 sd and is left out.
  auto standard_points = [](int n) {
    std::vector<double> z;
    double var = 0;
    for (int i = 0; i < n; ++i) {
      z.push_back(NormalQuantile((i + 0.5) / n));
      var += z.back() * z.back() / n;
    }
    for (double& v : z) v /= std::sqrt(var);
    return z;
  };
  const std::vector<double> length_z = standard_points(kLengthQuantiles), noise_z = standard_points(kNoiseQuantiles);
  for (int airport = 0; airport < 2; ++airport) {
    const speed_model::TripLength length = speed_model::TripLengthFrom(airport == 1);
    for (double zl : length_z) {
      const double log_miles = length.log_median + length.log_sigma * zl;
      for (double zn : noise_z) {
        const double factor =
            std::exp(speed_model::SpeedDistanceElasticity() * (log_miles - speed_model::ReferenceLogMiles()) +
                     speed_model::kTripLogSpeedSigma * zn);
        quantiles_[static_cast<size_t>(airport)].push_back(
            {std::exp(log_miles), factor, 1.0 / (kLengthQuantiles * kNoiseQuantiles)});
      }
    }
  }
}

double Oracle::MedianSpeed(size_t cell, geo::CellId id, int64_t m, int64_t now, std::span<const int> known) const {
  const speed_model::CellSpeed& speed = cell_speed_[cell];
  double city;
  if (m < now) {
    city = truth_.city_log[static_cast<size_t>(m)];
  } else {  // the AR(1) log city factor n steps on: N(phi^n x, var_n); its lognormal mean
    const int n = static_cast<int>(m - now + 1);
    const double phi_n = std::pow(speed_model::kCityPhi, n);
    const double var = (1 - phi_n * phi_n) * speed_model::kCityLogSigma * speed_model::kCityLogSigma;
    city = phi_n * truth_.city_log[static_cast<size_t>(now - 1)] + 0.5 * var;
  }
  double incident = 1;
  const double centre_s = static_cast<double>(truth_.begin_s + m * 60 + 30);
  for (int i : known) {
    const Incident& inc = truth_.incidents[static_cast<size_t>(i)];
    const int ring = std::max(std::abs(id.row - inc.cell.row), std::abs(id.col - inc.cell.col));
    const double f = inc.SpeedFactor(ring, (centre_s - static_cast<double>(core::ToEpochSeconds(inc.start))) / 60.0);
    if (f < 1.0) incident = std::max(0.1, incident * f);
  }
  return std::exp(log_profile_[speed.manhattan][static_cast<size_t>(m)] + speed.log_factor + city) * incident;
}

void Oracle::ExpectedSpeeds(geo::CellId cell, core::UtcTime t, std::span<const int> horizons_min,
                            std::span<double> out) const {
  assert(out.size() == horizons_min.size() && !horizons_min.empty() && horizons_min.back() <= 120);
  std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
  const int64_t t_s = core::ToEpochSeconds(t);
  const int64_t minutes = static_cast<int64_t>(truth_.city_log.size());
  if (!grid_.Contains(cell) || (t_s - truth_.begin_s) % 60 != 0) return;
  const int64_t now = (t_s - truth_.begin_s) / 60;  // the minute starting at t
  if (now < 1 || now > minutes + 120) return;
  const size_t k = static_cast<size_t>(grid_.Index(cell));
  // The incidents known at t that may touch the minutes looked at (SpeedFactor is 1 before an
  // incident's start and after its end, so one list serves past and future minutes).
  const int64_t first = std::max<int64_t>(0, now - kLookbackMin);
  const int64_t last = std::min<int64_t>(minutes, now + horizons_min.back());  // pickups in [first, last)
  std::vector<int> known;
  for (int i : incidents_near_[k]) {
    const Incident& inc = truth_.incidents[static_cast<size_t>(i)];
    if (inc.start < t && core::ToEpochSeconds(inc.end()) > truth_.begin_s + first * 60) known.push_back(i);
  }
  const auto& quantiles = quantiles_[cell_speed_[k].airport ? 1 : 0];
  std::array<double, 8> sum{}, weight{};
  assert(horizons_min.size() <= sum.size());
  for (int64_t m = first; m < last; ++m) {
    const double median = MedianSpeed(k, cell, m, std::min(now, minutes), known);
    const double rate = truth_.demand[static_cast<size_t>(m)];
    const double pickup_after_t = static_cast<double>(truth_.begin_s + m * 60 + 30 - t_s);  // the minute's centre
    for (const TripQuantile& q : quantiles) {
      const double mph = std::clamp(median * q.factor, speed_model::kMinMph, speed_model::kMaxMph);
      const double duration_s =
          std::clamp(std::floor(q.miles / mph * 3600 + 0.5), static_cast<double>(speed_model::kMinDurationS),
                     static_cast<double>(speed_model::kMaxDurationS));
      const double ends_after_t = pickup_after_t + duration_s;
      if (ends_after_t < 0) continue;
      const double observed = q.miles / duration_s * 3600;  // as `clean` computes it
      for (size_t h = 0; h < horizons_min.size(); ++h) {
        if (ends_after_t >= horizons_min[h] * 60.0) continue;
        sum[h] += rate * q.weight * observed;
        weight[h] += rate * q.weight;
      }
    }
  }
  for (size_t h = 0; h < horizons_min.size(); ++h) {
    if (weight[h] > 0) out[h] = sum[h] / weight[h];
  }
}

double Oracle::ExpectedSpeed(geo::CellId cell, core::UtcTime t, int horizon_min) const {
  double out = 0;
  ExpectedSpeeds(cell, t, std::span<const int>(&horizon_min, 1), std::span<double>(&out, 1));
  return out;
}

}  // namespace traffic::generate
