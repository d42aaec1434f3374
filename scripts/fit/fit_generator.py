#!/usr/bin/env python3
"""Fits the synthetic trip generator's parameters from the real samples in ../shared/data.

Run once by hand (pure Python 3, no packages); prints C++ that goes into
src/traffic/generate/calibration.cc. Not used by the build. The raw data is never copied: only
aggregates (per-cell weights, hour-of-week profiles, distribution parameters) come out.

  python3 scripts/fit/fit_generator.py ../shared > src/traffic/generate/calibration.cc
"""
import csv, glob, json, math, os, statistics, sys
from datetime import datetime, timedelta

SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../../shared')
TAXI = os.path.join(SHARED, 'data/nyc-taxi')
GEO = os.path.join(SHARED, 'data/geo')
LAT0, LON0, CELL, ROWS, COLS = 40.4774, -74.2591, 0.01, 45, 56
LAT1, LON1 = 40.9176, -73.7004


def cell_of(lat, lon):
    if not (LAT0 <= lat <= LAT1 and LON0 <= lon <= LON1):
        return None
    r, c = int(math.floor((lat - LAT0) / CELL)), int(math.floor((lon - LON0) / CELL))
    if 0 <= r < ROWS and 0 <= c < COLS:
        return r, c
    return None


def hour_of_week(t):  # ISO Monday=0 .. Sunday=6, times 24 + local hour
    return t.weekday() * 24 + t.hour


def parse_t(s):
    return datetime.strptime(s[:19], '%Y-%m-%d %H:%M:%S')


def haversine_mi(lat1, lon1, lat2, lon2):
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2 +
         math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 2 * 3958.8 * math.asin(math.sqrt(a))


def clean(dist, dur_s):
    if not (0.1 <= dist <= 100 and 60 <= dur_s <= 10800):
        return None
    v = dist * 3600 / dur_s
    return v if 1 <= v <= 60 else None


# --- Manhattan polygon (for the per-cell "Manhattan" flag) -----------------------------------
def point_in_rings(lat, lon, rings):
    inside = False
    for ring in rings:
        n = len(ring)
        j = n - 1
        for i in range(n):
            xi, yi = ring[i]
            xj, yj = ring[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
    return inside


boroughs = {}
for f in json.load(open(os.path.join(GEO, 'nyc_borough_boundaries.geojson')))['features']:
    rings = [ring for poly in f['geometry']['coordinates'] for ring in poly]
    boroughs[f['properties']['BoroName']] = rings
manhattan_rings = boroughs['Manhattan']
airport_rings = []
for f in json.load(open(os.path.join(GEO, 'taxi_zones.geojson')))['features']:
    if f['properties']['LocationID'] in (132, 138):  # JFK, LaGuardia
        g = f['geometry']
        polys = g['coordinates'] if g['type'] == 'MultiPolygon' else [g['coordinates']]
        airport_rings += [ring for poly in polys for ring in poly]


def is_airport_cell(r, c):
    return point_in_rings(LAT0 + (r + 0.5) * CELL, LON0 + (c + 0.5) * CELL, airport_rings)


def is_manhattan_cell(r, c):  # majority of 9 probe points inside Manhattan
    k = 0
    for i in range(3):
        for j in range(3):
            if point_in_rings(LAT0 + (r + (i + 0.5) / 3) * CELL, LON0 + (c + (j + 0.5) / 3) * CELL,
                              manhattan_rings):
                k += 1
    return k >= 5


# --- coordinate trips: TLC yellow 2015-2016 heads + Kaggle 2016 -------------------------------
coord_trips = []  # (pickup local, lat, lon, dlat, dlon, dist or None, dur_s)
for path in sorted(glob.glob(os.path.join(TAXI, 'tlc_yellow_coords_2015_2016/*.csv'))):
    for row in csv.DictReader(open(path)):
        try:
            t0, t1 = parse_t(row['tpep_pickup_datetime']), parse_t(row['tpep_dropoff_datetime'])
            coord_trips.append((t0, float(row['pickup_latitude']), float(row['pickup_longitude']),
                                float(row['dropoff_latitude']), float(row['dropoff_longitude']),
                                float(row['trip_distance']), (t1 - t0).total_seconds()))
        except (ValueError, KeyError):
            pass
n_tlc = len(coord_trips)
for path in glob.glob(os.path.join(TAXI, 'kaggle_nyc_taxi_trip_duration_2016/*.csv')):
    for row in csv.DictReader(open(path)):
        t0 = parse_t(row['pickup_datetime'])
        coord_trips.append((t0, float(row['pickup_latitude']), float(row['pickup_longitude']),
                            float(row['dropoff_latitude']), float(row['dropoff_longitude']),
                            None, float(row['trip_duration'])))

# --- zone trips: 2018-2019 samples (random over each month) -----------------------------------
zone_borough = {}
for row in csv.DictReader(open(os.path.join(GEO, 'taxi_zone_lookup.csv'))):
    zone_borough[int(row['LocationID'])] = row['Borough']
zone_trips = []  # (pickup local, pu zone, do zone, dist, dur_s)
for path in sorted(glob.glob(os.path.join(TAXI, 'tlc_yellow_zones_2018_2019/*.csv'))):
    for row in csv.DictReader(open(path)):
        try:
            t0, t1 = parse_t(row['pickup_datetime']), parse_t(row['dropoff_datetime'])
            zone_trips.append((t0, int(row['pickup_location_id']), int(row['dropoff_location_id']),
                               float(row['trip_distance']), (t1 - t0).total_seconds()))
        except (ValueError, KeyError):
            pass

# --- 1. demand by hour of week: zone samples + Kaggle (both spread at random over months) ----
how_count = [0] * 168
for t0, *_ in zone_trips:
    how_count[hour_of_week(t0)] += 1
for t0, *_ in coord_trips[n_tlc:]:
    how_count[hour_of_week(t0)] += 1
how_mean = sum(how_count) / 168
# light circular smoothing (1-2-1) to take out sampling noise
demand = [(how_count[(h - 1) % 168] + 2 * how_count[h] + how_count[(h + 1) % 168]) / 4 / how_mean
          for h in range(168)]

# --- 2. speed by hour of week, Manhattan vs elsewhere (log-median), scaled to 2015-16 level --
logv = {True: [[] for _ in range(168)], False: [[] for _ in range(168)]}
for t0, pu, do, dist, dur in zone_trips:
    v = clean(dist, dur)
    if v is None or pu not in zone_borough or zone_borough[pu] in ('Unknown', 'EWR'):
        continue
    logv[zone_borough[pu] == 'Manhattan'][hour_of_week(t0)].append(math.log(v))


def profile(lists, pool_by_hour_of_day):
    out = []
    for h in range(168):
        vals = list(lists[h])
        if pool_by_hour_of_day:  # few trips: pool the same hour over weekdays / weekend days
            wd = h // 24
            days = range(5) if wd < 5 else range(5, 7)
            vals = [x for d in days for x in lists[d * 24 + h % 24]]
        out.append(statistics.median(vals))
    sm = [(out[(h - 1) % 168] + 2 * out[h] + out[(h + 1) % 168]) / 4 for h in range(168)]
    return sm


prof_m = profile(logv[True], False)
prof_o = profile(logv[False], True)

# 2015-16 level: coordinate trips with distance, residual vs the 2018-19 profile
resid = []
for t0, lat, lon, dlat, dlon, dist, dur in coord_trips[:n_tlc]:
    v = clean(dist, dur)
    c = cell_of(lat, lon)
    if v is None or c is None:
        continue
    resid.append(math.log(v) - prof_m[hour_of_week(t0)])
level_shift = statistics.median(resid)

# --- 3. pickup weights per cell, attraction (pickups + dropoffs) per cell ---------------------
pick = {}
attract = {}
for t0, lat, lon, dlat, dlon, dist, dur in coord_trips:
    c = cell_of(lat, lon)
    d = cell_of(dlat, dlon)
    if c is None or d is None or (abs(lat - dlat) < 1e-6 and abs(lon - dlon) < 1e-6):
        continue
    pick[c] = pick.get(c, 0) + 1
    attract[c] = attract.get(c, 0) + 1
    attract[d] = attract.get(d, 0) + 1

# --- 4. per-cell speed factor (shrunk residual of log speed vs the hour-of-week profile) -------
cell_res = {}
man_cache = {}


def manhattan(c):
    if c not in man_cache:
        man_cache[c] = is_manhattan_cell(*c)
    return man_cache[c]


dist_logs, airport_logs, slope_x, slope_y, detours = [], [], [], [], []
for t0, lat, lon, dlat, dlon, dist, dur in coord_trips[:n_tlc]:
    v = clean(dist, dur)
    c = cell_of(lat, lon)
    if v is None or c is None or cell_of(dlat, dlon) is None:
        continue
    base = (prof_m if manhattan(c) else prof_o)[hour_of_week(t0)] + level_shift
    r = math.log(v) - base
    cell_res.setdefault(c, []).append(r)
    slope_x.append(math.log(dist))
    slope_y.append(r)
    crow = haversine_mi(lat, lon, dlat, dlon)
    if crow > 0.2:
        detours.append(dist / crow)

mx, my = statistics.fmean(slope_x), statistics.fmean(slope_y)
dist_slope = (sum((x - mx) * (y - my) for x, y in zip(slope_x, slope_y)) /
              sum((x - mx) ** 2 for x in slope_x))
SHRINK = 15
cell_factor = {}
for c, rs in cell_res.items():
    cell_factor[c] = sum(rs) / (len(rs) + SHRINK)
resid_sd = statistics.pstdev([y - my - dist_slope * (x - mx) for x, y in zip(slope_x, slope_y)])

# --- 5. trip length: lognormal, airports separately ------------------------------------------
for t0, pu, do, dist, dur in zone_trips:
    if clean(dist, dur) is None:
        continue
    (airport_logs if pu in (132, 138) else dist_logs).append(math.log(dist))
for t0, lat, lon, dlat, dlon, dist, dur in coord_trips[:n_tlc]:
    if dist is not None and clean(dist, dur) is not None:
        dist_logs.append(math.log(dist))
dist_mu, dist_sigma = statistics.median(dist_logs), statistics.pstdev(dist_logs)
air_mu, air_sigma = statistics.median(airport_logs), statistics.pstdev(airport_logs)
detour_med = statistics.median(detours)

# --- output ---------------------------------------------------------------------------------
cells = sorted(set(pick) | set(attract))
out = []
w = out.append
w('// Generated by scripts/fit/fit_generator.py from the real samples in ../shared/data/nyc-taxi')
w('// (TLC yellow 2015-2016 heads with coordinates, Kaggle 2016 trip durations, TLC 2018-2019 zone')
w('// samples) and the borough boundaries. Aggregates only; no raw record is copied. Do not edit by hand.')
w('#include "traffic/generate/calibration.h"')
w('')
w('namespace traffic::generate::calibration {')
w('')
w(f'// {len(zone_trips)} zone trips + {len(coord_trips) - n_tlc} Kaggle trips; mean = 1.')
w('const double kDemandByHourOfWeek[168] = {')
for d in range(7):
    w('    ' + ', '.join(f'{x:.3f}' for x in demand[d * 24:(d + 1) * 24]) + ',')
w('};')
w('')
w('// Median speed (mph) of clean trips by local hour of week (Monday 00:00 = 0), 2015-16 level.')
for name, prof in (('kManhattanMphByHourOfWeek', prof_m), ('kOtherMphByHourOfWeek', prof_o)):
    w(f'const double {name}[168] = {{')
    for d in range(7):
        w('    ' + ', '.join(f'{math.exp(x + level_shift):.2f}' for x in prof[d * 24:(d + 1) * 24]) + ',')
    w('};')
w('')
w(f'const double kDistanceLogMedian = {dist_mu:.4f};  // median {math.exp(dist_mu):.2f} mi')
w(f'const double kDistanceLogSigma = {dist_sigma:.4f};')
w(f'const double kAirportDistanceLogMedian = {air_mu:.4f};  // median {math.exp(air_mu):.2f} mi')
w(f'const double kAirportDistanceLogSigma = {air_sigma:.4f};')
w(f'const double kDetourMedian = {detour_med:.4f};  // road miles per straight-line mile')
w(f'const double kSpeedDistanceElasticity = {dist_slope:.4f};  // d log(speed) / d log(distance)')
w(f'const double kSpeedLogNoiseSigma = {resid_sd:.4f};  // residual sd of log speed')
w('')
w(f'// {len(cells)} cells: pickups and pickups+dropoffs counted in {len(coord_trips)} coordinate trips;')
w('// speed factor = shrunk mean residual of log speed; manhattan = cell mostly in the borough;')
w('// airport = cell centre in the JFK or LaGuardia taxi zone.')
w('const CellCalibration kCells[] = {')
for c in cells:
    f = cell_factor.get(c, 0.0)
    w(f'    {{{c[0]}, {c[1]}, {pick.get(c, 0)}, {attract.get(c, 0)}, {f:+.3f}, {str(manhattan(c)).lower()}, {str(is_airport_cell(*c)).lower()}}},')
w('};')
w('const int kCellCount = sizeof(kCells) / sizeof(kCells[0]);')
w('')
w('}  // namespace traffic::generate::calibration')
print('\n'.join(out))
