#!/usr/bin/env python3
"""Writes api/openapi.json (the dashboard API contract). Edit this file, run it, commit both.
The server embeds api/openapi.json at build time and serves it at /api/openapi.json."""
import json, os

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def nullable(s):
    # OpenAPI 3.0: siblings of $ref are ignored, so a nullable reference is allOf + nullable.
    return {"nullable": True, "allOf": [s]} if "$ref" in s else {**s, "nullable": True}
ISO = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"}
LEVEL = {"type": "string", "enum": ["Low", "Medium", "High"]}
NUM = {"type": "number"}
INT = {"type": "integer"}
STR = {"type": "string"}
def obj(props, required=None, extra=False):
    o = {"type": "object", "properties": props, "required": list(props) if required is None else required}
    if not extra: o["additionalProperties"] = False
    return o
def arr(items, **kw): return {"type": "array", "items": items, **kw}
LONLAT = arr(NUM, minItems=2, maxItems=2)
HORIZONS = ["15", "30", "60"]

forecast = obj({"level": LEVEL, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "source": {"type": "string", "enum": ["model", "persistence"]}})
cell_now_props = {
    "cell_id": {"type": "string", "pattern": r"^\d+_\d+$"}, "row": INT, "col": INT,
    "centre": LONLAT, "square": arr(LONLAT, minItems=4, maxItems=4),
    "borough": nullable(STR), "zone": nullable(STR),
    "window_start": ISO, "window_end": ISO, "trip_count": {"type": "integer", "minimum": 0},
    "avg_speed": NUM, "congestion_level": LEVEL,
    "forecasts": obj({h: nullable(ref("Forecast")) for h in HORIZONS}),
    "model_version": STR,
}
forecast_made = obj({"level": LEVEL, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                     "source": {"type": "string", "enum": ["model", "persistence"]}, "made_at": ISO})
history_entry = obj({
    "window_start": ISO, "window_end": ISO, "trip_count": INT, "avg_speed": NUM, "congestion_level": LEVEL,
    "typical_speed": nullable(NUM),
    "forecast_made": obj({h: nullable(ref("ForecastMade")) for h in HORIZONS}),
    "observed_over": obj({h: nullable(LEVEL) for h in HORIZONS}),
})
stats = obj({
    "events_per_s": NUM, "windows_per_min": NUM, "active_cells": INT, "mean_speed": nullable(NUM),
    "events": INT, "accepted": INT, "late": INT, "malformed": INT, "invalid": INT, "dead_letters": INT,
    "watermark": nullable(ISO), "watermark_delay_s": nullable(NUM), "publish_latency_p99_ms": nullable(NUM),
    "consumer_lag": arr(obj({"partition": INT, "lag": INT})),
    "workers": arr(obj({"id": STR, "partitions": arr(INT)})),
    "recent_dead_letters": arr(obj({"kind": {"type": "string", "enum": ["late", "malformed", "invalid"]},
                                    "reason": STR, "time": ISO})),
    "sse_clients": INT,
})
schemas = {
    "Error": obj({"error": STR, "allowed": STR}, required=["error"]),
    "Forecast": forecast,
    "ForecastMade": forecast_made,
    "CellNow": obj(cell_now_props),
    "CellDetail": obj({**cell_now_props, "history": arr(ref("HistoryEntry"))}),
    "HistoryEntry": history_entry,
    "Hotspot": obj({**cell_now_props, "avg_speed_15m": NUM, "trips_15m": INT,
                    "trend": {"type": "string", "enum": ["worsening", "improving", "steady"]},
                    "trend_mph_per_10min": NUM}),
    "Health": obj({
        "status": {"type": "string", "enum": ["ok", "stale", "down"]},
        "mode": {"type": "string", "enum": ["embedded", "kafka"]},
        "source": obj({"connected": {"type": "boolean"}, "error": nullable(STR), "brokers": nullable(STR),
                       "topic": nullable(STR)}),
        "last_result": obj({"event_time": nullable(ISO), "wall_time": nullable(ISO), "age_s": nullable(NUM)}),
        "watermark": nullable(ISO), "server_time": ISO, "cells": INT, "windows_retained": INT}),
    "Cells": obj({"as_of": nullable(ISO),
                  "thresholds": obj({"high_below_mph": NUM, "low_above_mph": NUM}),
                  "model_version": STR, "active_minutes": INT, "cells": arr(ref("CellNow"))}),
    "Hotspots": obj({"as_of": nullable(ISO), "hotspots": arr(ref("Hotspot"))}),
    "Stats": stats,
    "Model": obj({"version": STR, "card": {"type": "object"}, "verdict": arr(STR)}),
    "History": obj({"step_s": INT, "snapshots": arr(obj({
        "time": ISO,
        "cells": arr({"type": "array", "minItems": 4, "maxItems": 4,
                      "description": "[cell_id, trip_count, avg_speed, congestion_level]",
                      "items": {}})}))}),
}

def q(name, desc, schema, example=None):
    p = {"name": name, "in": "query", "required": False, "description": desc, "schema": schema}
    if example is not None: p["example"] = example
    return p
def ok(schema, desc="OK", ctype="application/json"):
    return {"description": desc, "content": {ctype: {"schema": schema}}}
ERR = lambda d: {"description": d, "content": {"application/json": {"schema": ref("Error")}}}
FROM = q("from", "start (ISO-8601 UTC); default: to minus the endpoint's default span", {"type": "string", "format": "date-time"})
TO = q("to", "end (ISO-8601 UTC); default: the newest window end in the store", {"type": "string", "format": "date-time"})

paths = {
    "/api/health": {"get": {"summary": "Liveness and data freshness", "responses": {"200": ok(ref("Health"))}}},
    "/api/cells": {"get": {
        "summary": "Every active cell's latest window (active: ended within active_minutes of as_of)",
        "parameters": [
            q("level", "only these observed levels (comma-separated)", {"type": "string"}, "High"),
            q("min_trips", "only windows with at least this many trips", {"type": "integer", "minimum": 0, "maximum": 1000000}),
            q("bbox", "minLon,minLat,maxLon,maxLat: cells whose square meets this box", {"type": "string"}, "-74.02,40.70,-73.93,40.80")],
        "responses": {"200": ok(ref("Cells")), "400": ERR("a bad or unknown parameter (named, with what is allowed)")}}},
    "/api/cells/{cell_id}": {"get": {
        "summary": "A cell's latest window and its history: observed vs forecast made h minutes earlier, typical speed",
        "parameters": [{"name": "cell_id", "in": "path", "required": True, "schema": {"type": "string"}, "example": "28_27"},
                       FROM, TO],
        "responses": {"200": ok(ref("CellDetail")), "400": ERR("bad from/to"),
                      "404": ERR("unknown cell id, or no window of it in the store")}}},
    "/api/hotspots": {"get": {
        "summary": "Most congested cells: lowest trip-weighted 15-minute mean speed, >= 3 trips, with a 30-minute trend",
        "parameters": [q("n", "how many", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10})],
        "responses": {"200": ok(ref("Hotspots")), "400": ERR("bad n")}}},
    "/api/stats": {"get": {"summary": "Pipeline health: throughput, counters, watermark, lag, workers, dead letters",
                           "responses": {"200": ok(ref("Stats"))}}},
    "/api/model": {"get": {"summary": "The model card in use", "responses": {"200": ok(ref("Model")), "404": ERR("no model loaded")}}},
    "/api/history": {"get": {
        "summary": "City-wide snapshots for replay: per step, every cell's trip-weighted windows starting in [time, time+step)",
        "parameters": [FROM, TO, q("step", "seconds, a multiple of 60", {"type": "integer", "minimum": 60, "maximum": 3600, "default": 60})],
        "responses": {"200": ok(ref("History")), "400": ERR("bad from/to/step, or more than 1440 snapshots")}}},
    "/api/stream": {"get": {
        "summary": "Server-Sent Events: `event: window` (id = sequence, data = CellNow) per window result; `event: stats` (no id, data = Stats) every 5 s. Last-Event-ID (header, or ?last_event_id=) resumes from the ring buffer. A client that reads too slowly is dropped.",
        "parameters": [{"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                      "503": ERR("too many live clients")}}},
    "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": ok({"type": "object"})}}},
    "/metrics": {"get": {"summary": "Prometheus text format", "responses": {"200": ok({"type": "string"}, ctype="text/plain")}}},
}
doc = {
    "openapi": "3.0.3",
    "info": {"title": "Smart City Traffic dashboard API", "version": "1.0.0",
             "description": "Served by `traffic serve` / `traffic demo` (default http://127.0.0.1:3000). Times are ISO-8601 UTC; "
                            "levels Low | Medium | High (High if avg speed < 10 mph, Low if > 20). Errors are "
                            "{\"error\": ..., \"allowed\": ...}; unknown query parameters are refused (400). "
                            "A cell square is [SW, SE, NE, NW] as [lon, lat] (DESIGN.md Grid)."},
    "servers": [{"url": "http://127.0.0.1:3000"}],
    "paths": paths,
    "components": {"schemas": schemas},
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "openapi.json"), "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
