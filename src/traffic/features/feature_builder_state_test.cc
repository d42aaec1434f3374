// Restart and rebalance of stream workers: Windower::SnapshotPartition / RestorePartition /
// DropPartition together with FeatureBuilder::SnapshotCells / RestoreCells / DropCells, wired as
// the Kafka stream worker wires them (one state message per input partition per transaction).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <tuple>

#include "traffic/core/hash.h"
#include "traffic/features/feature_builder.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/window/windower.h"

namespace traffic::features {
namespace {

using window::Event;
using window::WindowAggregate;

constexpr int kPartitions = 4;
constexpr int64_t kBase = 1451912400;  // 2016-01-04 13:00:00 UTC

// The stream's partitioner: cell -> partition by a hash of the cell id string.
int PartitionOf(geo::CellId c) { return static_cast<int>(core::StableHash64(c.ToString()) % kPartitions); }
const window::CellMask& CellsOf(int p) {
  static const auto* masks = [] {
    auto* m = new std::array<window::CellMask, kPartitions>;
    for (int q = 0; q < kPartitions; ++q) {
      (*m)[q] = window::SelectCells(geo::GridSpec{}, [q](geo::CellId c) { return PartitionOf(c) == q; });
    }
    return m;
  }();
  return (*masks)[p];
}

// ~4 hours over clusters of neighbouring cells and isolated cells, in arrival order: each event
// arrives up to 100 s after its event time (within the 120 s lateness: never late).
std::vector<Event> Stream(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<geo::CellId> cells;
  for (int r = 27; r <= 29; ++r) {
    for (int c = 26; c <= 28; ++c) cells.push_back({static_cast<int16_t>(r), static_cast<int16_t>(c)});
  }
  for (int i = 0; i < 12; ++i) cells.push_back({static_cast<int16_t>(3 * i % 44), static_cast<int16_t>(4 * i + 1)});
  std::uniform_int_distribution<size_t> pick(0, cells.size() - 1);
  std::uniform_real_distribution<double> speed(1.0, 45.0), dist(0.1, 9.0);
  std::uniform_int_distribution<int> step(0, 6), delay(0, 100);
  std::vector<std::pair<int64_t, Event>> keyed;
  int64_t t = 0;
  for (int i = 0; i < n; ++i) {
    t += step(rng);
    if (i % 1500 == 1499) t += 1800;  // quiet half hours: cells retire
    Event e{core::FromEpochSeconds(kBase + t), cells[pick(rng)], speed(rng), dist(rng), 120 + i % 700};
    keyed.push_back({t + delay(rng), e});
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<Event> out;
  for (auto& [k, e] : keyed) out.push_back(e);
  return out;
}

// A stream worker: owns some partitions, one Windower and one FeatureBuilder.
struct Worker {
  std::set<int> owned;
  window::Windower windower;
  FeatureBuilder builder;
  std::vector<WindowAggregate>* windows;
  std::vector<FeatureRow>* rows;
  std::vector<int64_t> closed_until;  // after each drain

  Worker(std::set<int> parts, std::vector<WindowAggregate>* w, std::vector<FeatureRow>* r)
      : owned(std::move(parts)), windows(w), rows(r) {}

  bool Owns(const Event& e) const { return owned.count(PartitionOf(e.cell)) > 0; }
  window::AddResult Feed(const Event& e) { return windower.Add(e, PartitionOf(e.cell)); }
  void Drain() {
    std::vector<WindowAggregate> closed;
    windower.TakeClosed(&closed);
    for (const auto& w : closed) {
      builder.AddWindow(w, rows);
      windows->push_back(w);
    }
    if (auto c = windower.closed_until()) {
      builder.AdvanceTo(*c, rows);
      closed_until.push_back(core::ToEpochSeconds(*c));
    }
  }
  void Finish() {
    windower.Flush();
    Drain();
  }
  // The state messages of one transaction: partition -> (window state, feature state).
  std::map<int, std::pair<std::string, std::string>> Snapshot() const {
    std::map<int, std::pair<std::string, std::string>> out;
    for (int p : owned) {
      out[p] = {windower.SnapshotPartition(p, CellsOf(p)), builder.SnapshotCells(CellsOf(p))};
    }
    return out;
  }
  void Restore(int p, const std::pair<std::string, std::string>& state) {
    ASSERT_OK(windower.RestorePartition(p, state.first));
    ASSERT_OK(builder.RestoreCells(state.second));
    owned.insert(p);
  }
  void Drop(int p) {
    windower.DropPartition(p, CellsOf(p));
    builder.DropCells(CellsOf(p));
    owned.erase(p);
  }
};

struct Output {
  std::vector<WindowAggregate> windows;
  std::vector<FeatureRow> rows;
};

Output Reference(const std::vector<Event>& events) {
  Output out;
  Worker w({0, 1, 2, 3}, &out.windows, &out.rows);
  for (const Event& e : events) {
    EXPECT_TRUE(w.Feed(e).ok());
    w.Drain();
  }
  w.Finish();
  return out;
}

void ExpectSameRows(const std::vector<FeatureRow>& got, const std::vector<FeatureRow>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(SameRow(got[i], want[i]))
        << what << ": row " << i << " t " << core::FormatIsoUtc(got[i].t) << " cell " << got[i].cell.ToString()
        << " vs " << core::FormatIsoUtc(want[i].t) << " " << want[i].cell.ToString();
  }
}

auto ByTimeCell = [](const auto& a, const auto& b) { return std::tie(a.t, a.cell) < std::tie(b.t, b.cell); };
auto ByStartCell = [](const WindowAggregate& a, const WindowAggregate& b) {
  return std::tie(a.window_start, a.cell) < std::tie(b.window_start, b.cell);
};

TEST(PartitionState, StreamUsesEveryPartition) {
  auto events = Stream(6000, 1);
  std::set<int> parts;
  for (const Event& e : events) parts.insert(PartitionOf(e.cell));
  EXPECT_EQ(parts.size(), 4u);
}

// kill -9 at random points: every state message of the last transaction is restored by a new
// worker (partitions in random order), which continues: the output equals an uninterrupted run.
TEST(PartitionState, RestartAtRandomCutsGivesTheUninterruptedOutput) {
  auto events = Stream(6000, 2);
  const Output want = Reference(events);
  ASSERT_GT(want.rows.size(), 1000u);
  for (uint32_t seed = 0; seed < 6; ++seed) {
    std::mt19937 rng(seed);
    std::set<size_t> cuts;
    while (cuts.size() < 5) cuts.insert(std::uniform_int_distribution<size_t>(0, events.size())(rng));
    Output got;
    auto worker = std::make_unique<Worker>(std::set<int>{0, 1, 2, 3}, &got.windows, &got.rows);
    size_t drained_every = 1 + seed * 7;
    for (size_t i = 0; i <= events.size(); ++i) {
      if (cuts.count(i)) {
        // Half of the cuts take the closed windows first; the others carry them in the state.
        if (rng() % 2) worker->Drain();
        auto state = worker->Snapshot();
        worker.reset();  // kill -9
        worker = std::make_unique<Worker>(std::set<int>{}, &got.windows, &got.rows);
        std::vector<int> order = {0, 1, 2, 3};
        std::shuffle(order.begin(), order.end(), rng);
        for (int p : order) worker->Restore(p, state[p]);
      }
      if (i == events.size()) break;
      ASSERT_TRUE(worker->Feed(events[i]).ok()) << i;
      if (i % drained_every == 0) worker->Drain();
    }
    worker->Finish();
    EXPECT_EQ(got.windows, want.windows) << "seed " << seed;
    ExpectSameRows(got.rows, want.rows, "seed " + std::to_string(seed));
  }
}

// A rebalance: partitions 2 and 3 move from the first worker to a second one at a cut point.
TEST(PartitionState, MovingTwoPartitionsLosesAndDuplicatesNothing) {
  auto events = Stream(6000, 3);
  const Output want = Reference(events);
  std::set<geo::CellId> event_cells;
  for (const Event& e : events) event_cells.insert(e.cell);
  auto worker_of = [](geo::CellId c) { return PartitionOf(c) >= 2 ? 2 : 1; };
  // A row of an interior cell (every neighbour with trips is in the same worker) is exact.
  auto interior = [&](geo::CellId c) {
    for (int dr = -1; dr <= 1; ++dr) {
      for (int dc = -1; dc <= 1; ++dc) {
        geo::CellId n{static_cast<int16_t>(c.row + dr), static_cast<int16_t>(c.col + dc)};
        if (event_cells.count(n) && worker_of(n) != worker_of(c)) return false;
      }
    }
    return true;
  };
  int interior_rows = 0, border_rows = 0;
  for (size_t cut : {size_t{0}, size_t{1}, size_t{777}, size_t{2500}, size_t{4321}, size_t{5999}}) {
    Output out1, out2;
    Worker first({0, 1, 2, 3}, &out1.windows, &out1.rows);
    Worker second({}, &out2.windows, &out2.rows);
    for (size_t i = 0; i < events.size(); ++i) {
      if (i == cut) {
        first.Drain();
        auto state = first.Snapshot();
        first.Drop(2);
        first.Drop(3);
        second.Restore(2, state[2]);
        second.Restore(3, state[3]);
      }
      Worker& w = first.Owns(events[i]) ? first : second;
      ASSERT_TRUE(w.Owns(events[i]));
      ASSERT_TRUE(w.Feed(events[i]).ok()) << "cut " << cut << " event " << i;
      w.Drain();
    }
    first.Finish();
    second.Finish();
    // End of input: each worker flushed up to its own newest window; rows run to the last one.
    const core::UtcTime end = std::max(*first.windower.closed_until(), *second.windower.closed_until());
    first.builder.AdvanceTo(end, &out1.rows);
    second.builder.AdvanceTo(end, &out2.rows);
    // Windows: the union is the reference, each window once.
    std::vector<WindowAggregate> all = out1.windows;
    all.insert(all.end(), out2.windows.begin(), out2.windows.end());
    std::stable_sort(all.begin(), all.end(), ByStartCell);
    EXPECT_EQ(all, want.windows) << "cut " << cut;
    // Rows: the same (t, cell) rows, once; own features exact; neighbour features exact for
    // interior cells.
    std::vector<FeatureRow> rows = out1.rows;
    rows.insert(rows.end(), out2.rows.begin(), out2.rows.end());
    std::stable_sort(rows.begin(), rows.end(), ByTimeCell);
    ASSERT_EQ(rows.size(), want.rows.size()) << "cut " << cut;
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].t, want.rows[i].t) << i;
      ASSERT_EQ(rows[i].cell, want.rows[i].cell) << i;
      FeatureRow own = rows[i];
      own.nbr_count_15m = want.rows[i].nbr_count_15m;
      own.nbr_speed_15m = want.rows[i].nbr_speed_15m;
      ASSERT_TRUE(SameRow(own, want.rows[i])) << "cut " << cut << " row " << i;
      if (interior(rows[i].cell)) {
        ASSERT_TRUE(SameRow(rows[i], want.rows[i])) << "cut " << cut << " row " << i;
        ++interior_rows;
      } else {
        ++border_rows;
      }
    }
  }
  EXPECT_GT(interior_rows, 1000);
  EXPECT_GT(border_rows, 1000);
}

// Two workers that progress at different speeds exchange partitions: one restored partition is
// ahead of its new owner (its cells' floors prevent re-emission), the other behind (its open
// windows close at the restore, its later events older than closed_until are late). Nothing is
// emitted twice, every accepted trip is in exactly one window, closed_until never moves back.
TEST(PartitionState, MergingIntoARunningWorkerAheadOrBehind) {
  auto events = Stream(8000, 4);
  const Output want = Reference(events);
  std::array<std::deque<Event>, kPartitions> queue;  // the partitions' unconsumed messages
  Output out1, out2;
  Worker fast({0, 1}, &out1.windows, &out1.rows);
  Worker slow({2, 3}, &out2.windows, &out2.rows);
  constexpr int64_t kLag = 20 * 60;  // the slow worker consumes 20 minutes behind
  int64_t late = 0, fed = 0;
  auto consume = [&](Worker& w, int64_t up_to) {
    for (int p : std::set<int>(w.owned)) {
      while (!queue[p].empty() && core::ToEpochSeconds(queue[p].front().event_time) <= up_to) {
        auto r = w.Feed(queue[p].front());
        ++fed;
        if (r.status == window::AddStatus::kLate) {
          ++late;
        } else {
          EXPECT_TRUE(r.ok());
        }
        queue[p].pop_front();
      }
    }
    w.Drain();
  };
  const size_t cut = 5000;
  for (size_t i = 0; i < events.size(); ++i) {
    queue[PartitionOf(events[i].cell)].push_back(events[i]);
    const int64_t now = core::ToEpochSeconds(events[i].event_time);
    consume(fast, now);
    consume(slow, now - kLag);
    if (i == cut) {
      auto from_fast = fast.Snapshot();
      auto from_slow = slow.Snapshot();
      fast.Drop(0);
      slow.Drop(3);
      slow.Restore(0, from_fast[0]);  // ahead of its new owner
      fast.Restore(3, from_slow[3]);  // behind its new owner
    }
  }
  consume(fast, INT64_MAX);
  consume(slow, INT64_MAX);
  fast.Finish();
  slow.Finish();
  EXPECT_EQ(fed, static_cast<int64_t>(events.size()));
  EXPECT_GT(late, 0);  // partition 3's backlog, older than the fast worker's closed_until
  EXPECT_EQ(late, fast.windower.counters().late + slow.windower.counters().late);
  for (const Worker* w : {&fast, &slow}) {
    EXPECT_TRUE(std::is_sorted(w->closed_until.begin(), w->closed_until.end()));
  }
  // Each window once; trips conserved.
  std::vector<WindowAggregate> all = out1.windows;
  all.insert(all.end(), out2.windows.begin(), out2.windows.end());
  std::stable_sort(all.begin(), all.end(), ByStartCell);
  std::set<std::pair<core::UtcTime, geo::CellId>> keys;
  int64_t trips = 0;
  for (const auto& w : all) {
    EXPECT_TRUE(keys.insert({w.window_start, w.cell}).second) << w.cell.ToString();
    trips += w.trip_count();
  }
  EXPECT_EQ(trips + late, static_cast<int64_t>(events.size()));
  // Per cell, windows come out in increasing time.
  for (const auto* out : {&out1.windows, &out2.windows}) {
    std::map<geo::CellId, core::UtcTime> last;
    for (const auto& w : *out) {
      auto it = last.find(w.cell);
      if (it != last.end()) {
        EXPECT_LT(it->second, w.window_start);
      }
      last[w.cell] = w.window_start;
    }
  }
  // The partitions that never moved are exact; so is partition 0 (moved ahead: nothing late).
  auto of = [](const std::vector<WindowAggregate>& v, std::set<int> parts) {
    std::vector<WindowAggregate> out;
    for (const auto& w : v) {
      if (parts.count(PartitionOf(w.cell))) out.push_back(w);
    }
    return out;
  };
  EXPECT_EQ(of(all, {0, 1, 2}), of(want.windows, {0, 1, 2}));
  // Rows: each (t, cell) once, across both workers.
  std::set<std::pair<core::UtcTime, geo::CellId>> row_keys;
  for (const auto* rows : {&out1.rows, &out2.rows}) {
    for (const auto& r : *rows) EXPECT_TRUE(row_keys.insert({r.t, r.cell}).second);
  }
  // Rows of partition 1 (never moved, in the fast worker all along) exist as in the reference.
  size_t p1_rows = 0, p1_want = 0;
  for (const auto& r : out1.rows) p1_rows += PartitionOf(r.cell) == 1;
  for (const auto& r : want.rows) p1_want += PartitionOf(r.cell) == 1;
  EXPECT_EQ(p1_rows, p1_want);
}

TEST(PartitionState, RestoreOrderDoesNotMatterWhileRestoring) {
  // Two workers at different points each snapshot a partition; a fresh worker restores both,
  // in either order, and ends up in the same state.
  auto events = Stream(4000, 5);
  Output o1, o2;
  Worker a({0, 1, 2, 3}, &o1.windows, &o1.rows), b({0, 1, 2, 3}, &o2.windows, &o2.rows);
  for (size_t i = 0; i < 3000; ++i) {
    a.Feed(events[i]);
    a.Drain();
    if (i < 2000) {
      b.Feed(events[i]);
      b.Drain();
    }
  }
  auto sa = a.Snapshot(), sb = b.Snapshot();
  Output x, y;
  Worker ab({}, &x.windows, &x.rows), ba({}, &y.windows, &y.rows);
  ab.Restore(0, sa[0]);
  ab.Restore(1, sb[1]);
  ba.Restore(1, sb[1]);
  ba.Restore(0, sa[0]);
  for (int p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(ab.windower.SnapshotPartition(p, CellsOf(p)), ba.windower.SnapshotPartition(p, CellsOf(p)));
    EXPECT_EQ(ab.builder.SnapshotCells(CellsOf(p)), ba.builder.SnapshotCells(CellsOf(p)));
  }
  EXPECT_EQ(ab.windower.closed_until(), b.windower.closed_until());  // the minimum
  EXPECT_EQ(ab.builder.next_boundary(), b.builder.next_boundary());
}

TEST(PartitionState, FeatureStateRefusesBadBytesAndKeepsItsState) {
  auto events = Stream(3000, 6);
  Output o;
  Worker w({0, 1, 2, 3}, &o.windows, &o.rows);
  for (const Event& e : events) {
    w.Feed(e);
    w.Drain();
  }
  const std::string bytes = w.builder.SnapshotCells(CellsOf(1));
  ASSERT_GT(bytes.size(), 100u);
  Output o2;
  Worker other({0, 2, 3}, &o2.windows, &o2.rows);
  for (size_t i = 0; i < 1000; ++i) {
    if (other.Owns(events[i])) other.Feed(events[i]);
    other.Drain();
  }
  window::CellMask all(geo::GridSpec{}.rows * geo::GridSpec{}.cols, true);
  const std::string before = other.builder.SnapshotCells(all);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
    EXPECT_EQ(other.builder.RestoreCells(bad).code(), core::StatusCode::kCorrupt) << i;
  }
  for (size_t n : {size_t{0}, size_t{4}, size_t{17}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_EQ(other.builder.RestoreCells(bytes.substr(0, n)).code(), core::StatusCode::kCorrupt) << n;
  }
  EXPECT_EQ(other.builder.RestoreCells(bytes + "x").code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(other.builder.RestoreCells(w.windower.SnapshotPartition(1, CellsOf(1))).code(),
            core::StatusCode::kCorrupt);  // the other encoding
  FeatureOptions five;
  five.window_size = std::chrono::seconds(300);
  FeatureBuilder foreign(five);
  EXPECT_EQ(foreign.RestoreCells(bytes).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(other.builder.SnapshotCells(all), before);
  EXPECT_OK(other.builder.RestoreCells(bytes));
  EXPECT_NE(other.builder.SnapshotCells(all), before);
}

}  // namespace
}  // namespace traffic::features
