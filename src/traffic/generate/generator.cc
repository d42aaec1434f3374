#include "traffic/generate/generator.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

#include "traffic/core/hash.h"
#include "traffic/generate/calibration.h"
#include "traffic/generate/speed_model.h"

namespace traffic::generate {
namespace {

namespace cal = calibration;

// The cleaning box (DESIGN.md "Trips"); generated points stay inside it.
constexpr double kMinLat = 40.4774, kMaxLat = 40.9176;
constexpr double kMinLon = -74.2591, kMaxLon = -73.7004;
constexpr double kMilesPerDegLat = 69.05;
constexpr double kMilesPerDegLon = 52.36;  // at 40.7 N

constexpr double kBackgroundShare = 0.02;  // pickups placed uniformly over the city
constexpr double kMinSpeedMph = speed_model::kMinMph, kMaxSpeedMph = speed_model::kMaxMph;
using speed_model::kCityLogSigma;
using speed_model::kTripLogSpeedSigma;
constexpr double kMaxDistanceMi = 40.0;
constexpr double kMinDistanceMi = 0.1;
constexpr int kCandidates = 4;  // at right angles: the rotation below assumes 4
constexpr double kPi = 3.14159265358979323846;

// xoshiro256** seeded through splitmix64: fast, well tested, identical everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) s = SplitMix(&seed);
  }
  uint64_t NextU64() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // [0, n) without modulo bias worth caring about (n is small).
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((static_cast<unsigned __int128>(NextU64()) * n) >> 64); }
  // Standard normal, Marsaglia's polar method (no cached spare, so the stream of draws per call
  // is the same whatever happened before).
  double Normal() {
    double u, v, s;
    do {
      u = 2 * Uniform() - 1;
      v = 2 * Uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * std::sqrt(-2 * std::log(s) / s);
  }
  int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean < 30) {  // Knuth: multiply uniforms until below e^-mean
      double limit = std::exp(-mean), p = Uniform();
      int64_t k = 0;
      while (p > limit) {
        p *= Uniform();
        ++k;
      }
      return k;
    }
    double x = std::floor(mean + std::sqrt(mean) * Normal() + 0.5);
    return x < 0 ? 0 : static_cast<int64_t>(x);
  }

 private:
  static uint64_t SplitMix(uint64_t* x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Vose's alias method: O(1) draws from a fixed discrete distribution.
class AliasTable {
 public:
  void Build(const std::vector<double>& weights) {
    size_t n = weights.size();
    prob_.assign(n, 0);
    alias_.assign(n, 0);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / total;
      (scaled[i] < 1 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (uint32_t i : small) prob_[i] = 1;
    for (uint32_t i : large) prob_[i] = 1;
  }
  uint32_t Draw(Rng* rng) const {
    uint32_t i = rng->Below(static_cast<uint32_t>(prob_.size()));
    return rng->Uniform() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

double Round(double x, double scale) { return std::round(x * scale) / scale; }

// Linear interpolation of an hourly profile (value of hour h at h:30) at a fractional hour of
// week, wrapping around Sunday night.
double InterpolateHourly(const double* profile, double hour_of_week) {
  double x = hour_of_week - 0.5;
  if (x < 0) x += 168;
  int h0 = static_cast<int>(x);
  double f = x - h0;
  return profile[h0 % 168] * (1 - f) + profile[(h0 + 1) % 168] * f;
}

double LocalHourOfWeek(const core::LocalDateTime& local) {
  return (core::IsoDayOfWeek(local) - 1) * 24 + local.hour + local.minute / 60.0 + local.second / 3600.0;
}

double MinuteHourOfWeek(int64_t minute_start) {
  return LocalHourOfWeek(core::UtcToNewYork(core::FromEpochSeconds(minute_start + 30)));
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// The speed model

namespace speed_model {

std::vector<CellSpeed> CellSpeeds(const geo::Grid& grid) {
  std::vector<CellSpeed> out(static_cast<size_t>(grid.cell_count()));
  for (int i = 0; i < cal::kCellCount; ++i) {
    const auto& c = cal::kCells[i];
    geo::CellId id{c.row, c.col};
    if (grid.Contains(id))
      out[static_cast<size_t>(grid.Index(id))] = {static_cast<float>(c.log_speed_factor), c.manhattan, c.airport};
  }
  return out;
}

double DemandWeight(int64_t minute_start) {
  return InterpolateHourly(cal::kDemandByHourOfWeek, MinuteHourOfWeek(minute_start));
}

double LogProfileMph(bool manhattan, int64_t minute_start) {
  return std::log(InterpolateHourly(manhattan ? cal::kManhattanMphByHourOfWeek : cal::kOtherMphByHourOfWeek,
                                    MinuteHourOfWeek(minute_start)));
}

TripLength TripLengthFrom(bool airport) {
  return airport ? TripLength{cal::kAirportDistanceLogMedian, cal::kAirportDistanceLogSigma}
                 : TripLength{cal::kDistanceLogMedian, cal::kDistanceLogSigma};
}
double SpeedDistanceElasticity() { return cal::kSpeedDistanceElasticity; }
double ReferenceLogMiles() { return cal::kDistanceLogMedian; }

}  // namespace speed_model

// ------------------------------------------------------------------------------------------------
// Incident

core::UtcTime Incident::end() const {
  double minutes = build_up_min + hold_min + 3.0 * decay_min + 10;
  return start + std::chrono::seconds(static_cast<int64_t>(std::ceil(minutes * 60)));
}

double Incident::SpeedFactor(int ring, double minutes) const {
  static constexpr double kShare[3] = {1.0, 0.5, 0.2};
  static constexpr double kLagMin[3] = {0.0, 5.0, 10.0};
  if (ring < 0 || ring > 2) return 1.0;
  double a = minutes - kLagMin[ring];
  double shape;  // 0..1 of the peak
  if (a <= 0) {
    return 1.0;
  } else if (a < build_up_min) {
    shape = a / build_up_min;
  } else if (a < build_up_min + hold_min) {
    shape = 1.0;
  } else {
    double after = a - build_up_min - hold_min;
    if (after > 3.0 * decay_min) return 1.0;
    shape = std::exp(-after / std::max(decay_min, 1));
  }
  return 1.0 - kShare[ring] * (1.0 - severity) * shape;
}

geo::MultiPolygon UnionOfShapes(const std::vector<geo::NamedShape>& shapes) {
  geo::MultiPolygon all;
  for (const auto& s : shapes) {
    all.polygons.insert(all.polygons.end(), s.shape.polygons.begin(), s.shape.polygons.end());
  }
  return all;
}

// ------------------------------------------------------------------------------------------------
// TripGenerator

struct TripGenerator::Impl {
  GeneratorOptions options;
  const geo::PolygonIndex* land;
  geo::Grid grid;
  Rng trip_rng, incident_rng, city_rng;

  // Per cell (dense index), from the calibration.
  std::vector<float> attraction;
  std::vector<speed_model::CellSpeed> cell_speed;
  // Pickup distribution: entries are dense cell indexes; the last entry is "anywhere".
  std::vector<int> pickup_cells;
  AliasTable pickup_alias;

  // Days: [day_starts[d], day_starts[d + 1]).
  std::vector<int64_t> day_starts;  // UTC epoch seconds
  int day = -1;
  double day_weight_total = 0;

  // The current minute.
  bool started = false;
  int64_t minute_start = 0;         // UTC epoch seconds
  double log_base_mph[2] = {0, 0};  // [0] elsewhere, [1] Manhattan
  double city_log = 0;
  std::vector<float> incident_factor;
  std::vector<int> touched;
  std::vector<Incident> active;
  size_t next_scheduled = 0;
  int64_t incidents_started = 0;
  uint32_t per_second[60];
  int second = 60;
  int64_t generated = 0;
  bool done = false;

  Impl(GeneratorOptions o, const geo::PolygonIndex* l)
      : options(std::move(o)),
        land(l),
        trip_rng(options.seed ^ 0x7472697073ULL),
        incident_rng(options.seed ^ 0x696E636964656E74ULL),
        city_rng(options.seed ^ 0x63697479ULL) {
    int n = grid.cell_count();
    attraction.assign(n, 0.5f);
    cell_speed = speed_model::CellSpeeds(grid);
    incident_factor.assign(n, 1.0f);
    std::vector<double> weights;
    for (int i = 0; i < cal::kCellCount; ++i) {
      const auto& c = cal::kCells[i];
      geo::CellId id{c.row, c.col};
      if (!grid.Contains(id)) continue;
      int k = grid.Index(id);
      attraction[k] += static_cast<float>(c.attraction);
      // Dropoff-only cells get a little pickup weight too: the samples are small.
      double w = c.pickups + 0.25 * (c.attraction - c.pickups);
      if (w > 0) {
        pickup_cells.push_back(k);
        weights.push_back(w);
      }
    }
    double total = 0;
    for (double w : weights) total += w;
    pickup_cells.push_back(-1);
    weights.push_back(total * kBackgroundShare / (1 - kBackgroundShare));
    pickup_alias.Build(weights);
    int64_t start_local = core::LocalToEpochSeconds(options.start);
    for (int d = 0; d <= std::max(options.days, 0); ++d) {
      core::LocalDateTime local = core::EpochSecondsToLocal(start_local + int64_t{d} * 86400);
      day_starts.push_back(core::ToEpochSeconds(core::NewYorkToUtc(local)));
    }
    std::sort(options.scheduled_incidents.begin(), options.scheduled_incidents.end(),
              [](const Incident& a, const Incident& b) { return a.start < b.start; });
    city_log = kCityLogSigma * city_rng.Normal();
  }

  // Relative demand of the minute starting at `t` (its centre's local hour of week).
  static double DemandWeight(int64_t t) { return speed_model::DemandWeight(t); }

  bool OnLand(double lat, double lon) const {
    if (!(lat >= kMinLat && lat <= kMaxLat && lon >= kMinLon && lon <= kMaxLon)) return false;
    return land == nullptr || land->Contains(lat, lon);
  }

  // Moves to the next minute; false past the last day.
  bool AdvanceMinute() {
    minute_start = started ? minute_start + 60 : day_starts[0];
    started = true;
    if (minute_start >= day_starts.back()) return false;
    while (day + 1 < static_cast<int>(day_starts.size()) - 1 && minute_start >= day_starts[day + 1]) {
      ++day;
      day_weight_total = 0;
      for (int64_t t = day_starts[day]; t < day_starts[day + 1]; t += 60) {
        day_weight_total += DemandWeight(t);
      }
    }
    double share = DemandWeight(minute_start) / day_weight_total;
    log_base_mph[0] = speed_model::LogProfileMph(false, minute_start);
    log_base_mph[1] = speed_model::LogProfileMph(true, minute_start);

    constexpr double kPhi = speed_model::kCityPhi;
    static_assert(speed_model::kCityTimeConstantMin == 120.0);  // kCityPhi = exp(-1 / 120)
    city_log = kPhi * city_log + std::sqrt(1 - kPhi * kPhi) * kCityLogSigma * city_rng.Normal();

    UpdateIncidents(share);
    if (options.on_minute) options.on_minute(core::FromEpochSeconds(minute_start), city_log, share);

    double mean = static_cast<double>(options.trips_per_day) * share;
    int64_t n = trip_rng.Poisson(mean);
    std::memset(per_second, 0, sizeof(per_second));
    for (int64_t i = 0; i < n; ++i) ++per_second[trip_rng.Below(60)];
    second = 0;
    return true;
  }

  void StartIncident(const Incident& incident) {
    active.push_back(incident);
    ++incidents_started;
    if (options.on_incident) options.on_incident(incident);
  }

  void UpdateIncidents(double demand_share) {
    core::UtcTime now = core::FromEpochSeconds(minute_start);
    // Random incidents: rate follows demand; placed like pickups.
    int64_t n = incident_rng.Poisson(options.incidents_per_day * demand_share);
    for (int64_t i = 0; i < n; ++i) {
      int cell = -1;
      while (cell < 0) cell = pickup_cells[pickup_alias.Draw(&incident_rng)];
      Incident inc;
      inc.cell = grid.FromIndex(cell);
      inc.start = now + std::chrono::seconds(incident_rng.Below(60));
      inc.build_up_min = 10 + static_cast<int>(incident_rng.Below(21));
      inc.hold_min = 5 + static_cast<int>(incident_rng.Below(26));
      inc.decay_min = 10 + static_cast<int>(incident_rng.Below(21));
      inc.severity = incident_rng.Uniform(0.25, 0.6);
      StartIncident(inc);
    }
    while (next_scheduled < options.scheduled_incidents.size() &&
           options.scheduled_incidents[next_scheduled].start < now + std::chrono::seconds(60)) {
      const Incident& inc = options.scheduled_incidents[next_scheduled++];
      if (inc.end() > now) StartIncident(inc);
    }
    std::erase_if(active, [&](const Incident& inc) { return inc.end() <= now; });

    for (int k : touched) incident_factor[k] = 1.0f;
    touched.clear();
    double centre = static_cast<double>(minute_start + 30);
    for (const Incident& inc : active) {
      double minutes = (centre - static_cast<double>(core::ToEpochSeconds(inc.start))) / 60.0;
      for (int dr = -2; dr <= 2; ++dr) {
        for (int dc = -2; dc <= 2; ++dc) {
          geo::CellId c{static_cast<int16_t>(inc.cell.row + dr), static_cast<int16_t>(inc.cell.col + dc)};
          if (!grid.Contains(c)) continue;
          double f = inc.SpeedFactor(std::max(std::abs(dr), std::abs(dc)), minutes);
          if (f >= 1.0) continue;
          int k = grid.Index(c);
          if (incident_factor[k] == 1.0f) touched.push_back(k);
          incident_factor[k] = static_cast<float>(std::max(0.1, incident_factor[k] * f));
        }
      }
    }
  }

  // A pickup point on land; returns its dense cell index.
  int SamplePickup(double* lat, double* lon) {
    for (;;) {
      int cell = pickup_cells[pickup_alias.Draw(&trip_rng)];
      for (int attempt = 0; attempt < 32; ++attempt) {
        double la, lo;
        if (cell < 0) {
          la = trip_rng.Uniform(kMinLat, kMaxLat);
          lo = trip_rng.Uniform(kMinLon, kMaxLon);
        } else {
          geo::LatLon c = grid.Centre(grid.FromIndex(cell));
          double half = grid.spec().cell_deg / 2;
          la = c.lat + trip_rng.Uniform(-half, half);
          lo = c.lon + trip_rng.Uniform(-half, half);
        }
        la = Round(la, 1e6);
        lo = Round(lo, 1e6);
        if (!OnLand(la, lo)) continue;
        auto located = grid.Locate(la, lo);
        if (!located) continue;
        *lat = la;
        *lon = lo;
        return grid.Index(*located);
      }
    }
  }

  // Road miles of a trip from a cell: lognormal, truncated to the generator's range.
  double SampleDistance(int cell) {
    bool from_airport = cell_speed[cell].airport;
    double mu = from_airport ? cal::kAirportDistanceLogMedian : cal::kDistanceLogMedian;
    double sigma = from_airport ? cal::kAirportDistanceLogSigma : cal::kDistanceLogSigma;
    for (;;) {
      double d = std::exp(mu + sigma * trip_rng.Normal());
      if (d >= 0.15 && d <= kMaxDistanceMi) return d;
    }
  }

  bool NextTrip(trip::Trip* t) {
    while (second >= 60 || per_second[second] == 0) {
      if (second < 60) {
        ++second;
        continue;
      }
      if (done || !AdvanceMinute()) {
        done = true;
        return false;
      }
    }
    --per_second[second];
    *t = trip::Trip{};
    t->pickup_time = core::FromEpochSeconds(minute_start + second);

    int cell = SamplePickup(&t->pickup_lat, &t->pickup_lon);
    double road_mi = SampleDistance(cell);
    double detour = std::max(1.0, cal::kDetourMedian * std::exp(0.12 * trip_rng.Normal()));
    double straight_mi = road_mi / detour;
    double angle = 2 * kPi * trip_rng.Uniform();
    bool placed = false;
    for (int round = 0; round < 8 && !placed; ++round) {
      double cand_lat[kCandidates], cand_lon[kCandidates], cand_w[kCandidates];
      double total = 0;
      double dy = straight_mi * std::sin(angle), dx = straight_mi * std::cos(angle);
      for (int j = 0; j < kCandidates; ++j) {  // 4 directions at right angles
        double la = Round(t->pickup_lat + dy / kMilesPerDegLat, 1e6);
        double lo = Round(t->pickup_lon + dx / kMilesPerDegLon, 1e6);
        double turned = dx;
        dx = -dy;
        dy = turned;
        cand_lat[j] = la;
        cand_lon[j] = lo;
        cand_w[j] = 0;
        if (OnLand(la, lo)) {
          if (auto c = grid.Locate(la, lo)) cand_w[j] = attraction[grid.Index(*c)];
        }
        total += cand_w[j];
      }
      // Always one uniform draw per round, so the stream does not depend on the weights' zeros.
      double pick = trip_rng.Uniform() * total;
      if (total > 0) {
        int j = 0;
        while (j < kCandidates - 1 && (pick >= cand_w[j] || cand_w[j] == 0)) {
          pick -= cand_w[j];
          ++j;
        }
        if (cand_w[j] == 0) {  // rounding at the end of the scan: take the last candidate with weight
          for (j = kCandidates - 1; cand_w[j] == 0; --j) {
          }
        }
        t->dropoff_lat = cand_lat[j];
        t->dropoff_lon = cand_lon[j];
        placed = true;
      } else {
        straight_mi *= 0.6;  // nowhere to go that far in these directions: a shorter trip
        angle += kPi / kCandidates;
      }
    }
    if (!placed) {  // a pocket of land: a short hop to a point of the pickup's own cell
      t->dropoff_lat = t->pickup_lat;
      t->dropoff_lon = t->pickup_lon;
      straight_mi = 0.2;
    }
    road_mi = std::max(kMinDistanceMi, Round(straight_mi * detour, 100));
    t->distance_mi = road_mi;

    double log_v = log_base_mph[cell_speed[cell].manhattan] + cell_speed[cell].log_factor + city_log +
                   std::log(incident_factor[cell]) +
                   cal::kSpeedDistanceElasticity * (std::log(road_mi) - cal::kDistanceLogMedian) +
                   kTripLogSpeedSigma * trip_rng.Normal();
    double mph = std::clamp(std::exp(log_v), kMinSpeedMph, kMaxSpeedMph);
    int64_t duration_s = std::llround(road_mi / mph * 3600);
    duration_s = std::clamp<int64_t>(duration_s, speed_model::kMinDurationS, speed_model::kMaxDurationS);
    t->dropoff_time = t->pickup_time + std::chrono::seconds(duration_s);

    static constexpr uint32_t kPassengerCdf[6] = {709, 852, 893, 913, 963, 1000};  // per mille
    uint32_t p = trip_rng.Below(1000);
    int16_t passengers = 1;
    while (passengers < 6 && p >= kPassengerCdf[passengers - 1]) ++passengers;
    t->passenger_count = passengers;

    unsigned char key[16];
    std::memcpy(key, &options.seed, 8);
    std::memcpy(key + 8, &generated, 8);
    t->event_id = core::StableHash64(std::string_view(reinterpret_cast<char*>(key), 16));
    ++generated;
    return true;
  }
};

TripGenerator::TripGenerator(GeneratorOptions options, const geo::PolygonIndex* land)
    : impl_(std::make_unique<Impl>(std::move(options), land)) {}
TripGenerator::~TripGenerator() = default;

bool TripGenerator::Next(trip::Trip* out) { return impl_->NextTrip(out); }
core::UtcTime TripGenerator::begin() const { return core::FromEpochSeconds(impl_->day_starts.front()); }
core::UtcTime TripGenerator::end() const { return core::FromEpochSeconds(impl_->day_starts.back()); }
int64_t TripGenerator::generated() const { return impl_->generated; }
int64_t TripGenerator::incidents_started() const { return impl_->incidents_started; }
const std::vector<Incident>& TripGenerator::active_incidents() const { return impl_->active; }
double TripGenerator::IncidentSpeedFactor(geo::CellId cell) const {
  if (!impl_->grid.Contains(cell)) return 1.0;
  return impl_->incident_factor[impl_->grid.Index(cell)];
}

// ------------------------------------------------------------------------------------------------
// CSV

std::string_view Yellow2015Header() {
  return "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
         "pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,"
         "dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
         "improvement_surcharge,total_amount";
}

namespace {

// Row assembly in a stack buffer, appended to the output once (a row is < 200 bytes).
class RowBuffer {
 public:
  void Fixed(double v, int decimals) { p_ = std::to_chars(p_, end_, v, std::chars_format::fixed, decimals).ptr; }
  void Int(int64_t v) { p_ = std::to_chars(p_, end_, v).ptr; }
  void Char(char c) { *p_++ = c; }
  void Text(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Two(int v) {
    *p_++ = static_cast<char>('0' + v / 10);
    *p_++ = static_cast<char>('0' + v % 10);
  }
  void Local(core::UtcTime t) {  // "YYYY-MM-DD HH:MM:SS", New York wall clock
    core::LocalDateTime l = core::UtcToNewYork(t);
    Int(l.year);
    Char('-');
    Two(l.month);
    Char('-');
    Two(l.day);
    Char(' ');
    Two(l.hour);
    Char(':');
    Two(l.minute);
    Char(':');
    Two(l.second);
  }
  void AppendTo(std::string* out) const { out->append(buf_, static_cast<size_t>(p_ - buf_)); }

 private:
  char buf_[512];
  char* p_ = buf_;
  char* end_ = buf_ + sizeof(buf_);
};

}  // namespace

void AppendYellow2015Row(const trip::Trip& t, std::string* out) {
  uint64_t h = t.event_id * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  int vendor = 1 + static_cast<int>(h & 1);
  bool card = ((h >> 8) % 100) < 62;
  double minutes = static_cast<double>(t.duration_s()) / 60.0;
  // The meter charges distance above ~12 mph and time below: approximate the slow minutes.
  double slow_min = std::max(0.0, minutes - t.distance_mi * 60.0 / 12.0);
  double fare = Round(2.5 + 2.5 * t.distance_mi + 0.5 * slow_min, 2);  // whole $0.50 steps
  trip::Calendar cal = trip::CalendarAt(t.pickup_time);
  double extra = 0;
  if (cal.local_hour >= 20 || cal.local_hour < 6) {
    extra = 0.5;
  } else if (!cal.is_weekend && cal.local_hour >= 16) {
    extra = 1.0;
  }
  double tip = card ? Round(fare * (0.15 + 0.01 * static_cast<double>((h >> 16) % 11)), 100) : 0;
  double total = fare + extra + 0.5 + tip + 0.3;

  RowBuffer row;
  row.Int(vendor);
  row.Char(',');
  row.Local(t.pickup_time);
  row.Char(',');
  row.Local(t.dropoff_time);
  row.Char(',');
  row.Int(t.passenger_count < 0 ? 1 : t.passenger_count);
  row.Char(',');
  row.Fixed(t.distance_mi, 2);
  row.Char(',');
  row.Fixed(t.pickup_lon, 6);
  row.Char(',');
  row.Fixed(t.pickup_lat, 6);
  row.Text(",1,N,");
  row.Fixed(t.dropoff_lon, 6);
  row.Char(',');
  row.Fixed(t.dropoff_lat, 6);
  row.Text(card ? ",1," : ",2,");
  row.Fixed(fare, 2);
  row.Char(',');
  row.Fixed(extra, 2);
  row.Text(",0.50,");
  row.Fixed(tip, 2);
  row.Text(",0.00,0.30,");
  row.Fixed(total, 2);
  row.Char('\n');
  row.AppendTo(out);
}

}  // namespace traffic::generate
