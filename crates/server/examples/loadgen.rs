//! Load driver of `scripts/bench.sh` (issue 12 §3): complete registrations against the release
//! portal and against the Node reference RP (`../shared/perf-reference`), both talking to the same
//! sandbox bank in its non-interactive mode (`sandbox-bank --auto-approve`), measured side by side.
//!
//! It plays the browser without following redirects:
//! - portal: `POST /api/v1/registrations` (a new phone per flow) → the bank's authorize URL (with
//!   `login_hint` = that phone, so the bank's fresh person has it and the portal's phone rule stays
//!   on) → `GET /auth/callback?…` with the browser cookie → `GET /api/v1/registrations/{id}`: the
//!   outcome is the state read there (`pending_confirmation`), never the callback's status code;
//! - reference: `GET /start` → authorize → `GET /callback` (200 `{account_id}`).
//!
//! Per level (N in flight, or a paced rate) and RP: an unmeasured warm-up, then a measured window:
//! flows/s, p50/p90/p99 of the flow (start → callback answered) and of the callback alone, the RP's
//! CPU per flow (utime+stime of the whole process from `/proc/PID/stat`, over the window only), its
//! RSS peak (VmRSS sampled every 100 ms in the window), failed flows by kind, the bank's and the
//! driver's CPU per flow and how busy the machine was. At the end: accounts written against
//! successful flows (the portal's database: `--portal-db` takes its SQLite file or its
//! `database_url`, e.g. `postgres://…`; `node reference-rp.mjs --count`).
//!
//! Status reads (`status@RATE/s`, portal only: the reference RP has no status page): a pool of
//! citizens registered first through the portal flow above (not measured), then
//! `GET /api/v1/registrations/{id}` with each one's browser cookie, as the status page polls, at a
//! paced rate, open-loop (issued on a 1 ms schedule whether or not earlier ones answered, at most
//! 2000 outstanding), round-robin over the pool and alternating replicas. A read succeeds with 200
//! and the body's `registration_id` and `state` being the registration's. Over the window: reads/s,
//! p50/p90/p99/max of the read, how late the driver issued reads, failures by kind, the portal's
//! CPU per 1,000 reads and its RSS peak, in a table of their own.
//!
//! Replicas: `--portal` and `--portal-pid` take comma-separated lists (one base URL and one PID per
//! replica of the portal sharing one database). Request k of portal flow f (0 start, 1 callback,
//! 2 status read) goes to replica (f + k) mod n, the bank's redirect re-targeted to that replica's
//! origin (the browser cookie goes with it: loadgen sets the `Cookie` header itself); the portal's
//! CPU and RSS are summed over the replicas, and requests per replica are counted. `--db-pid` is
//! the PostgreSQL postmaster: the CPU of the database server's processes (the postmaster, its live
//! children, the children it reaped) is added to the portal's, its memory reported on its own.
//!
//! Run through `scripts/bench.sh`; by hand:
//! `cargo run --release -p bankid-server --example loadgen -- --portal URL[,URL…]
//!  --portal-pid PID[,PID…] --portal-db FILE|DATABASE_URL [--db-pid PID] --reference URL
//!  --reference-pid PID --reference-dir DIR --reference-db FILE [--bank-pid PID] [--bank sber]
//!  [--levels 8,32,64,300/s,status@5000/s] [--warmup 8] [--window 15]`

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const USAGE: &str = "\
Usage: loadgen [--portal URL[,URL…] --portal-pid PID[,PID…] --portal-db FILE|DATABASE_URL]
               [--db-pid PID]
               [--reference URL --reference-pid PID --reference-dir DIR --reference-db FILE]
               [--bank-pid PID] [--bank ID] [--levels 8,32,64,300/s,status@5000/s]
               [--warmup SECS] [--window SECS] [--clk-tck N]
Levels: N (flows N in flight), RATE/s (flows started at a paced rate), status@RATE/s (status reads
of registered citizens at a paced rate; portal only).";

/// The default levels (also `scripts/bench.sh`'s).
const DEFAULT_LEVELS: &str = "8,32,64,300/s,status@5000/s";

/// Flows started at once at most in a paced level (beyond it a tick is skipped and counted); also
/// status reads outstanding at most in a status level.
const PACED_MAX_IN_FLIGHT: usize = 2000;

/// Citizens registered (not measured) before a status level, read round-robin.
const STATUS_POOL: usize = 200;
/// Registrations of the pool made at once.
const STATUS_POOL_IN_FLIGHT: usize = 16;
/// A status level's schedule: every tick issues the reads that have come due since the last.
const STATUS_TICK: Duration = Duration::from_millis(1);

#[derive(Clone, Copy, Debug)]
enum Level {
    InFlight(usize),
    Paced(u32),
    /// Status reads per second (open-loop), portal only.
    Status(u32),
}

impl Level {
    fn parse(s: &str) -> Result<Level, String> {
        let s = s.trim();
        if let Some(rate) = s.strip_prefix("status@") {
            return rate
                .strip_suffix("/s")
                .and_then(|r| r.parse().ok())
                .filter(|r| (1..=1_000_000).contains(r))
                .map(Level::Status)
                .ok_or(format!("bad status level {s:?} (e.g. status@5000/s)"));
        }
        if let Some(rate) = s.strip_suffix("/s") {
            return rate
                .parse()
                .ok()
                .filter(|r| *r > 0)
                .map(Level::Paced)
                .ok_or(format!("bad rate {s:?}"));
        }
        s.parse()
            .ok()
            .filter(|n| *n > 0)
            .map(Level::InFlight)
            .ok_or(format!("bad level {s:?}"))
    }

    fn label(self) -> String {
        match self {
            Level::InFlight(n) => format!("{n} in flight"),
            Level::Paced(r) => format!("{r}/s paced"),
            Level::Status(r) => format!("status reads {r}/s"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rp {
    Portal,
    Reference,
}

impl Rp {
    fn name(self) -> &'static str {
        match self {
            Rp::Portal => "portal",
            Rp::Reference => "reference",
        }
    }
}

struct Target {
    rp: Rp,
    /// One base URL and one PID per replica (the reference: one).
    bases: Vec<String>,
    pids: Vec<u32>,
    /// The RP column: `portal`, or with replicas or PostgreSQL e.g. `portal ×2, PostgreSQL`.
    label: String,
}

struct Opts {
    targets: Vec<Target>,
    portal_db: Option<String>,
    /// The PostgreSQL postmaster, whose processes' CPU counts as the portal's.
    db_pid: Option<u32>,
    reference_dir: Option<String>,
    reference_db: Option<String>,
    bank_pid: Option<u32>,
    bank: String,
    levels: Vec<Level>,
    warmup: Duration,
    window: Duration,
    clk_tck: f64,
}

fn parse_args() -> Result<Opts, String> {
    let mut kv: BTreeMap<String, String> = BTreeMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "-h" || a == "--help" {
            return Err(USAGE.to_string());
        }
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (a.clone(), it.next().ok_or(format!("{a} needs a value"))?),
        };
        kv.insert(k, v);
    }
    let take = |kv: &mut BTreeMap<String, String>, k: &str| kv.remove(k);
    let pid = |v: Option<String>, name: &str| -> Result<Option<u32>, String> {
        v.map(|p| p.parse().map_err(|_| format!("{name}: bad pid {p:?}")))
            .transpose()
    };
    let secs = |v: Option<String>, default: f64| -> Result<Duration, String> {
        let s: f64 = v
            .map(|s| s.parse().map_err(|_| format!("bad seconds {s:?}")))
            .transpose()?
            .unwrap_or(default);
        if !(0.0..=3600.0).contains(&s) {
            return Err(format!("seconds out of range: {s}"));
        }
        Ok(Duration::from_secs_f64(s))
    };
    let urls = |v: &str| -> Vec<String> {
        v.split(',')
            .map(|s| s.trim().trim_end_matches('/').to_string())
            .collect()
    };
    let pids = |v: Option<String>, name: &str| -> Result<Vec<u32>, String> {
        v.ok_or(name.to_string())?
            .split(',')
            .map(|p| {
                p.trim()
                    .parse()
                    .map_err(|_| format!("{name}: bad pid {p:?}"))
            })
            .collect()
    };
    let portal_db = take(&mut kv, "--portal-db");
    let backend = portal_db.as_deref().map(|db| {
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    });
    let mut targets = Vec::new();
    if let Some(base) = take(&mut kv, "--portal") {
        let bases = urls(&base);
        let pids = pids(take(&mut kv, "--portal-pid"), "--portal-pid")?;
        if bases.len() != pids.len() || bases.iter().any(String::is_empty) {
            return Err(format!(
                "--portal and --portal-pid: one URL and one PID per replica ({} URLs, {} PIDs)",
                bases.len(),
                pids.len()
            ));
        }
        let label = match (bases.len(), backend) {
            (1, None | Some("SQLite")) => Rp::Portal.name().to_string(),
            (n, Some(b)) => format!("{} ×{n}, {b}", Rp::Portal.name()),
            (n, None) => format!("{} ×{n}", Rp::Portal.name()),
        };
        targets.push(Target {
            rp: Rp::Portal,
            bases,
            pids,
            label,
        });
    }
    if let Some(base) = take(&mut kv, "--reference") {
        let bases = urls(&base);
        let pids = pids(take(&mut kv, "--reference-pid"), "--reference-pid")?;
        if bases.len() != 1 || pids.len() != 1 || bases.iter().any(String::is_empty) {
            return Err("--reference and --reference-pid: one URL and one PID".to_string());
        }
        targets.push(Target {
            rp: Rp::Reference,
            bases,
            pids,
            label: Rp::Reference.name().to_string(),
        });
    }
    if targets.is_empty() {
        return Err(format!("nothing to drive\n{USAGE}"));
    }
    let levels = take(&mut kv, "--levels")
        .unwrap_or_else(|| DEFAULT_LEVELS.to_string())
        .split(',')
        .map(Level::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let opts = Opts {
        targets,
        portal_db,
        db_pid: pid(take(&mut kv, "--db-pid"), "--db-pid")?,
        reference_dir: take(&mut kv, "--reference-dir"),
        reference_db: take(&mut kv, "--reference-db"),
        bank_pid: pid(take(&mut kv, "--bank-pid"), "--bank-pid")?,
        bank: take(&mut kv, "--bank").unwrap_or_else(|| "sber".to_string()),
        levels,
        warmup: secs(take(&mut kv, "--warmup"), 8.0)?,
        window: secs(take(&mut kv, "--window"), 15.0)?,
        clk_tck: take(&mut kv, "--clk-tck")
            .map(|s| s.parse().map_err(|_| format!("bad --clk-tck {s:?}")))
            .transpose()?
            .unwrap_or(100.0),
    };
    if let Some(k) = kv.keys().next() {
        return Err(format!("unknown argument {k}\n{USAGE}"));
    }
    Ok(opts)
}

// ---------------------------------------------------------------------------------------------
// /proc

/// utime+stime of a process (all its threads), in clock ticks.
fn proc_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    ticks_of(&stat)
}

/// The fields of `/proc/PID/stat` after the command name (which may hold spaces): index 0 is
/// field 3 (state), 1 the parent's PID, 11 utime, 12 stime, 13 cutime, 14 cstime.
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    Some(
        stat.get(stat.rfind(')')? + 1..)?
            .split_whitespace()
            .collect(),
    )
}

fn ticks_of(stat: &str) -> Option<u64> {
    let f = stat_fields(stat)?;
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The database server's processes: the postmaster and every live process whose parent it is.
fn db_processes(postmaster: u32) -> Vec<u32> {
    let mut out = vec![postmaster];
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let ppid = stat_fields(&stat).and_then(|f| f.get(1).and_then(|p| p.parse::<u32>().ok()));
        if pid != postmaster && ppid == Some(postmaster) {
            out.push(pid);
        }
    }
    out
}

/// CPU ticks of the database server: utime+stime of the postmaster and its live children, plus
/// the postmaster's cutime+cstime (the children it has reaped: backends and autovacuum workers
/// that exit within a window still count).
fn db_ticks(postmaster: u32) -> u64 {
    let reaped = std::fs::read_to_string(format!("/proc/{postmaster}/stat"))
        .ok()
        .and_then(|stat| {
            let f = stat_fields(&stat)?;
            Some(f.get(13)?.parse::<u64>().ok()? + f.get(14)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    reaped
        + db_processes(postmaster)
            .into_iter()
            .filter_map(proc_ticks)
            .sum::<u64>()
}

/// Memory of the database server's processes, summed: VmRSS (shared memory counts in each
/// process that has touched it) and, when `pss`, their proportional set size (`smaps_rollup`:
/// shared pages divided among the processes that map them; dearer to read).
fn db_mem_kib(postmaster: u32, pss: bool) -> (u64, Option<u64>) {
    let procs = db_processes(postmaster);
    let rss = procs.iter().filter_map(|&p| vm_rss_kib(p)).sum();
    let pss = pss
        .then(|| procs.iter().map(|&p| pss_kib(p)).sum::<Option<u64>>())
        .flatten();
    (rss, pss)
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// VmRSS of an RP's processes (its replicas), summed.
fn rss_kib(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|&p| vm_rss_kib(p)).sum()
}

/// Ticks per thread name (threads of one name summed).
fn thread_ticks(pid: u32) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let name = match (stat.find('('), stat.rfind(')')) {
            (Some(a), Some(b)) if a < b => stat[a + 1..b].to_string(),
            _ => continue,
        };
        if let Some(t) = ticks_of(&stat) {
            *out.entry(name).or_insert(0) += t;
        }
    }
    out
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// (busy, total) jiffies of the whole machine.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4)?;
    Some((total - idle, total))
}

#[derive(Default, Clone)]
struct Snapshot {
    rp: u64,
    bank: u64,
    me: u64,
    machine: (u64, u64),
    threads: BTreeMap<String, u64>,
}

/// The database server's entry in the RP's CPU by thread.
const DB_THREADS: &str = "PostgreSQL (all its processes)";

/// The RP's CPU: its processes (replicas) summed, and the database server's when given; threads
/// of one name summed across the replicas.
fn snapshot(rp_pids: &[u32], db_pid: Option<u32>, bank_pid: Option<u32>) -> Snapshot {
    let mut threads = BTreeMap::new();
    for &pid in rp_pids {
        for (name, t) in thread_ticks(pid) {
            *threads.entry(name).or_insert(0) += t;
        }
    }
    let db = db_pid.map(db_ticks).unwrap_or(0);
    if db_pid.is_some() {
        threads.insert(DB_THREADS.to_string(), db);
    }
    Snapshot {
        rp: rp_pids.iter().filter_map(|&p| proc_ticks(p)).sum::<u64>() + db,
        bank: bank_pid.and_then(proc_ticks).unwrap_or(0),
        me: proc_ticks(std::process::id()).unwrap_or(0),
        machine: machine_ticks().unwrap_or((0, 0)),
        threads,
    }
}

// ---------------------------------------------------------------------------------------------
// One flow

struct Done {
    flow: Duration,
    callback: Duration,
}

type FlowResult = Result<Done, String>;

/// A citizen registered through the portal flow, as the status page's browser holds it.
struct Registered {
    id: String,
    /// The `Cookie` header of the browser that started the registration.
    cookie: String,
    /// The state its status read gave at the end of the flow.
    state: String,
}

fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn is_redirect(s: StatusCode) -> bool {
    matches!(s.as_u16(), 302 | 303)
}

fn kind(step: &str, e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("{step}: timeout")
    } else if e.is_connect() {
        format!("{step}: connect")
    } else {
        format!("{step}: transport")
    }
}

/// Follows the bank's authorize URL to the callback URL it redirects to.
async fn authorize(http: &Client, url: &str) -> Result<String, String> {
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| kind("authorize", &e))?;
    if !is_redirect(resp.status()) {
        return Err(format!("authorize: {}", resp.status().as_u16()));
    }
    let loc = location(&resp).ok_or("authorize: no location")?;
    if loc.contains("error=") {
        let err = url::Url::parse(&loc)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "error")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        return Err(format!("authorize: error={err}"));
    }
    Ok(loc)
}

/// The steps of a portal flow sent to the portal, counted per replica.
const STEPS: [&str; 3] = ["starts", "callbacks", "status reads"];

/// Requests of each step sent to one replica.
type StepCounts = [AtomicU64; 3];

/// Where the requests of one portal flow go: request k of flow f to replica (f + k) mod n.
struct Route<'a> {
    bases: &'a [String],
    counts: &'a [StepCounts],
    flow: usize,
}

impl Route<'_> {
    /// The base URL of request `step` (counted).
    fn to(&self, step: usize) -> &str {
        let n = self.bases.len().max(1);
        let i = (self.flow + step) % n;
        if let Some(c) = self.counts.get(i).and_then(|c| c.get(step)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.bases.get(i).map(String::as_str).unwrap_or_default()
    }

    /// The callback URL the bank redirected to, sent to `base` instead (same path and query) when
    /// there are replicas; as it is with one.
    fn retarget(&self, callback: String, base: &str) -> Result<String, String> {
        if self.bases.len() < 2 {
            return Ok(callback);
        }
        let u =
            url::Url::parse(&callback).map_err(|_| "authorize: bad callback URL".to_string())?;
        Ok(format!("{base}{}", &u[url::Position::BeforePath..]))
    }
}

async fn portal_flow(
    http: &Client,
    route: &Route<'_>,
    bank: &str,
    phone: &str,
) -> Result<(Done, Registered), String> {
    let t0 = Instant::now();
    let resp = http
        .post(format!("{}/api/v1/registrations", route.to(0)))
        .json(&json!({
            "bank_id": bank,
            "phone": phone,
            "consent": {"accepted": true, "version": bankid_api::types::CONSENT_VERSION},
        }))
        .send()
        .await
        .map_err(|e| kind("start", &e))?;
    if resp.status() != StatusCode::CREATED {
        return Err(format!("start: {}", resp.status().as_u16()));
    }
    let cookie = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let started: Value = resp.json().await.map_err(|_| "start: body".to_string())?;
    let id = started["registration_id"]
        .as_str()
        .ok_or("start: no registration_id")?
        .to_string();
    let mut url = started["authorize_url"]
        .as_str()
        .ok_or("start: no authorize_url")?
        .to_string();
    // The person who typed this phone signs in at the bank (non-interactive mode).
    url.push_str("&login_hint=");
    url.extend(url::form_urlencoded::byte_serialize(phone.as_bytes()));
    let callback = authorize(http, &url).await?;
    let callback = route.retarget(callback, route.to(1))?;
    let tc = Instant::now();
    let resp = http
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .map_err(|e| kind("callback", &e))?;
    let callback_time = tc.elapsed();
    if !is_redirect(resp.status()) {
        return Err(format!("callback: {}", resp.status().as_u16()));
    }
    let loc = location(&resp).ok_or("callback: no location")?;
    let flow = t0.elapsed();
    if loc != format!("/registration/{id}") {
        let path = loc.split('?').next().unwrap_or_default();
        let shown = if path.starts_with("/registration/") {
            "/registration/{other}"
        } else {
            path
        };
        return Err(format!("callback: to {shown}"));
    }
    // The outcome: the status page's state, never the callback's status code.
    let resp = http
        .get(format!("{}/api/v1/registrations/{id}", route.to(2)))
        .header(COOKIE, &cookie)
        .send()
        .await
        .map_err(|e| kind("status", &e))?;
    if resp.status() != StatusCode::OK {
        return Err(format!("status: {}", resp.status().as_u16()));
    }
    let st: Value = resp.json().await.map_err(|_| "status: body".to_string())?;
    match st["state"].as_str() {
        Some(state @ "pending_confirmation") => Ok((
            Done {
                flow,
                callback: callback_time,
            },
            Registered {
                id,
                cookie,
                state: state.to_string(),
            },
        )),
        Some(state) => Err(format!(
            "outcome: {state} {}",
            st["reason"].as_str().unwrap_or_default()
        )),
        None => Err("status: no state".to_string()),
    }
}

async fn reference_flow(http: &Client, base: &str) -> FlowResult {
    let t0 = Instant::now();
    let resp = http
        .get(format!("{base}/start"))
        .send()
        .await
        .map_err(|e| kind("start", &e))?;
    if !is_redirect(resp.status()) {
        return Err(format!("start: {}", resp.status().as_u16()));
    }
    let url = location(&resp).ok_or("start: no location")?;
    let callback = authorize(http, &url).await?;
    let tc = Instant::now();
    let resp = http
        .get(&callback)
        .send()
        .await
        .map_err(|e| kind("callback", &e))?;
    let callback_time = tc.elapsed();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let flow = t0.elapsed();
    if status == StatusCode::OK && body["account_id"].is_number() {
        Ok(Done {
            flow,
            callback: callback_time,
        })
    } else {
        Err(format!(
            "callback: {} {}",
            status.as_u16(),
            body["error"].as_str().unwrap_or_default()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// One level against one RP

#[derive(Default)]
struct Record {
    /// Successful flows in the window: (flow, callback).
    samples: Vec<(Duration, Duration)>,
    failed_window: BTreeMap<String, u64>,
    failed_total: BTreeMap<String, u64>,
    ok_total: u64,
}

struct Shared {
    rec: Mutex<Record>,
    window_start: Instant,
    window_end: Instant,
}

impl Shared {
    fn record(&self, r: FlowResult) {
        let now = Instant::now();
        let in_window = now >= self.window_start && now <= self.window_end;
        let mut rec = self.rec.lock().unwrap_or_else(PoisonError::into_inner);
        match r {
            Ok(d) => {
                rec.ok_total += 1;
                if in_window {
                    rec.samples.push((d.flow, d.callback));
                }
            }
            Err(k) => {
                if in_window {
                    *rec.failed_window.entry(k.clone()).or_insert(0) += 1;
                }
                *rec.failed_total.entry(k).or_insert(0) += 1;
            }
        }
    }
}

struct Ctx {
    http: Client,
    bank: String,
    /// Phones of the portal's flows: +79 and nine digits, from a random start.
    next_phone: AtomicU64,
    /// Portal flows started: f of "request k of flow f goes to replica (f + k) mod n".
    next_flow: AtomicU64,
}

/// One portal flow with the next phone, its requests routed over the replicas.
async fn next_portal_flow(
    ctx: &Ctx,
    bases: &[String],
    counts: &[StepCounts],
) -> Result<(Done, Registered), String> {
    let n = ctx.next_phone.fetch_add(1, Ordering::Relaxed) % 1_000_000_000;
    let flow = ctx.next_flow.fetch_add(1, Ordering::Relaxed);
    let route = Route {
        bases,
        counts,
        flow: usize::try_from(flow).unwrap_or_default(),
    };
    portal_flow(&ctx.http, &route, &ctx.bank, &format!("+79{n:09}")).await
}

async fn one_flow(ctx: &Ctx, target_rp: Rp, bases: &[String], counts: &[StepCounts]) -> FlowResult {
    match target_rp {
        Rp::Portal => next_portal_flow(ctx, bases, counts)
            .await
            .map(|(done, _)| done),
        Rp::Reference => {
            let base = bases.first().map(String::as_str).unwrap_or_default();
            reference_flow(&ctx.http, base).await
        }
    }
}

struct Measured {
    level: Level,
    rp: Rp,
    label: String,
    window: Duration,
    rec: Record,
    before: Snapshot,
    after: Snapshot,
    rss_peak_kib: u64,
    /// The database server's VmRSS and PSS peaks (portal levels with `--db-pid`).
    db_rss_peak_kib: Option<u64>,
    db_pss_peak_kib: Option<u64>,
    /// Requests per replica and step over the whole level (warm-up and drain included).
    requests: Vec<[u64; 3]>,
}

/// What the meter measured over a window: the CPU snapshots at its start and end, the RP's RSS
/// peak and the database server's VmRSS and PSS peaks.
type Metered = (Snapshot, Snapshot, u64, (Option<u64>, Option<u64>));

/// The window's CPU and memory: snapshots at its start (`ws`) and end (`we`), the RSS sampled
/// every 100 ms in between.
fn spawn_meter(
    pids: Vec<u32>,
    db_pid: Option<u32>,
    bank_pid: Option<u32>,
    ws: Instant,
    we: Instant,
) -> tokio::task::JoinHandle<Metered> {
    tokio::spawn(async move {
        tokio::time::sleep_until(ws.into()).await;
        let before = snapshot(&pids, db_pid, bank_pid);
        let mut peak = rss_kib(&pids);
        // The database server's PSS once a second only (smaps_rollup walks the page tables).
        let (mut db_rss, mut db_pss) = (None, None);
        let mut db_sample = |pss: bool| {
            if let Some(pm) = db_pid {
                let (rss, p) = db_mem_kib(pm, pss);
                db_rss = db_rss.max(Some(rss));
                db_pss = db_pss.max(p);
            }
        };
        db_sample(true);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let mut n: u32 = 0;
        while Instant::now() < we {
            tick.tick().await;
            n += 1;
            peak = peak.max(rss_kib(&pids));
            db_sample(n.is_multiple_of(10));
        }
        let after = snapshot(&pids, db_pid, bank_pid);
        (before, after, peak, (db_rss, db_pss))
    })
}

async fn run_level(
    ctx: Arc<Ctx>,
    opts: &Opts,
    target: &Target,
    level: Level,
) -> Result<Measured, String> {
    if let Level::Status(_) = level {
        return Err(format!("{}: not a level of flows", level.label()));
    }
    let start = Instant::now();
    let shared = Arc::new(Shared {
        rec: Mutex::new(Record::default()),
        window_start: start + opts.warmup,
        window_end: start + opts.warmup + opts.window,
    });
    let end = shared.window_end;
    // The window's CPU and memory.
    let (pids, bank_pid) = (target.pids.clone(), opts.bank_pid);
    let db_pid = if target.rp == Rp::Portal {
        opts.db_pid
    } else {
        None
    };
    let meter = spawn_meter(
        pids,
        db_pid,
        bank_pid,
        shared.window_start,
        shared.window_end,
    );
    let bases = Arc::new(target.bases.clone());
    let counts: Arc<Vec<StepCounts>> =
        Arc::new(target.bases.iter().map(|_| StepCounts::default()).collect());
    let rp = target.rp;
    match level {
        Level::InFlight(n) => {
            let mut workers = Vec::with_capacity(n);
            for _ in 0..n {
                let (ctx, shared, bases, counts) =
                    (ctx.clone(), shared.clone(), bases.clone(), counts.clone());
                workers.push(tokio::spawn(async move {
                    while Instant::now() < end {
                        let r = one_flow(&ctx, rp, &bases, &counts).await;
                        shared.record(r);
                    }
                }));
            }
            for w in workers {
                w.await.map_err(|e| e.to_string())?;
            }
        }
        Level::Paced(rate) => {
            let sem = Arc::new(tokio::sync::Semaphore::new(PACED_MAX_IN_FLIGHT));
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut flows = tokio::task::JoinSet::new();
            while Instant::now() < end {
                tick.tick().await;
                let Ok(permit) = sem.clone().try_acquire_owned() else {
                    shared.record(Err(format!("not started: {PACED_MAX_IN_FLIGHT} in flight")));
                    continue;
                };
                let (ctx, shared, bases, counts) =
                    (ctx.clone(), shared.clone(), bases.clone(), counts.clone());
                flows.spawn(async move {
                    let r = one_flow(&ctx, rp, &bases, &counts).await;
                    shared.record(r);
                    drop(permit);
                });
                while flows.try_join_next().is_some() {}
            }
            while flows.join_next().await.is_some() {}
        }
        Level::Status(_) => {}
    }
    let (before, after, rss_peak_kib, (db_rss_peak_kib, db_pss_peak_kib)) =
        meter.await.map_err(|e| e.to_string())?;
    let rec = std::mem::take(&mut *shared.rec.lock().unwrap_or_else(PoisonError::into_inner));
    let requests = counts
        .iter()
        .map(|c| c.each_ref().map(|n| n.load(Ordering::Relaxed)))
        .collect();
    Ok(Measured {
        level,
        rp,
        label: target.label.clone(),
        window: opts.window,
        rec,
        before,
        after,
        rss_peak_kib,
        db_rss_peak_kib,
        db_pss_peak_kib,
        requests,
    })
}

// ---------------------------------------------------------------------------------------------
// Status reads against the portal

/// One status read, as the status page polls it with the browser's cookie: a success only with
/// 200 and the body's `registration_id` and `state` being the registration's.
async fn status_read(http: &Client, url: &str, reg: &Registered) -> Result<(), String> {
    let resp = http
        .get(url)
        .header(COOKIE, &reg.cookie)
        .send()
        .await
        .map_err(|e| kind("status", &e))?;
    if resp.status() != StatusCode::OK {
        return Err(format!("status: {}", resp.status().as_u16()));
    }
    let body = resp.bytes().await.map_err(|e| kind("status body", &e))?;
    let st: Value =
        serde_json::from_slice(&body).map_err(|_| "status: body not JSON".to_string())?;
    if st["registration_id"].as_str() != Some(reg.id.as_str()) {
        return Err("status: another registration_id".to_string());
    }
    match st["state"].as_str() {
        Some(state) if state == reg.state => Ok(()),
        Some(state) => Err(format!("status: state {state}, not {}", reg.state)),
        None => Err("status: no state".to_string()),
    }
}

#[derive(Default)]
struct StatusRecord {
    /// Successful reads completed in the window: from their issue to their body checked.
    latencies: Vec<Duration>,
    failed_window: BTreeMap<String, u64>,
    ok_total: u64,
    failed_total: u64,
}

struct StatusShared {
    rec: Mutex<StatusRecord>,
    window_start: Instant,
    window_end: Instant,
}

impl StatusShared {
    fn record(&self, r: Result<(), String>, latency: Duration) {
        let now = Instant::now();
        let in_window = now >= self.window_start && now <= self.window_end;
        let mut rec = self.rec.lock().unwrap_or_else(PoisonError::into_inner);
        match r {
            Ok(()) => {
                rec.ok_total += 1;
                if in_window {
                    rec.latencies.push(latency);
                }
            }
            Err(k) => {
                rec.failed_total += 1;
                if in_window {
                    *rec.failed_window.entry(k).or_insert(0) += 1;
                }
            }
        }
    }
}

struct StatusMeasured {
    level: Level,
    label: String,
    window: Duration,
    /// The pool: citizens registered, and the registrations that failed by kind.
    pool: u64,
    pool_failed: BTreeMap<String, u64>,
    pool_time: Duration,
    rec: StatusRecord,
    /// Reads sent in the window: how late after their even schedule each was issued.
    lags: Vec<Duration>,
    before: Snapshot,
    after: Snapshot,
    rss_peak_kib: u64,
    db_rss_peak_kib: Option<u64>,
    db_pss_peak_kib: Option<u64>,
    /// Status reads sent to each replica over the whole level (warm-up and drain included).
    reads_per_replica: Vec<u64>,
}

/// Registers the pool of a status level through the portal flow (not measured), a few at once.
async fn register_pool(
    ctx: &Arc<Ctx>,
    bases: &Arc<Vec<String>>,
) -> Result<(Vec<Registered>, BTreeMap<String, u64>), String> {
    let counts: Arc<Vec<StepCounts>> =
        Arc::new(bases.iter().map(|_| StepCounts::default()).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..STATUS_POOL_IN_FLIGHT {
        let (ctx, bases, counts, next) = (ctx.clone(), bases.clone(), counts.clone(), next.clone());
        workers.spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < STATUS_POOL {
                let r = next_portal_flow(&ctx, &bases, &counts).await;
                out.push(r.map(|(_, reg)| reg));
            }
            out
        });
    }
    let (mut pool, mut failed) = (Vec::new(), BTreeMap::new());
    while let Some(out) = workers.join_next().await {
        for r in out.map_err(|e| e.to_string())? {
            match r {
                Ok(reg) => pool.push(reg),
                Err(k) => *failed.entry(k).or_insert(0) += 1,
            }
        }
    }
    Ok((pool, failed))
}

/// A status level: the pool registered, then status reads at `rate` per second, open-loop: every
/// tick (1 ms) issues the reads whose time on an even schedule has come, whether or not earlier
/// ones answered; at most `PACED_MAX_IN_FLIGHT` outstanding, a read beyond that not sent and
/// counted as failed. Read i is of registration i mod pool, sent to replica (i + i / pool) mod n:
/// consecutive reads alternate replicas, and each registration is read on every replica in turn.
async fn run_status_level(
    ctx: Arc<Ctx>,
    opts: &Opts,
    target: &Target,
    rate: u32,
) -> Result<StatusMeasured, String> {
    let level = Level::Status(rate);
    let bases = Arc::new(target.bases.clone());
    let t = Instant::now();
    let (pool, pool_failed) = register_pool(&ctx, &bases).await?;
    let pool_time = t.elapsed();
    if pool.is_empty() {
        return Err(format!(
            "{}: no citizen of the pool registered ({})",
            level.label(),
            pool_failed
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Each registration with its status URL on each replica.
    let pool: Arc<Vec<(Registered, Vec<String>)>> = Arc::new(
        pool.into_iter()
            .map(|reg| {
                let urls = bases
                    .iter()
                    .map(|b| format!("{b}/api/v1/registrations/{}", reg.id))
                    .collect();
                (reg, urls)
            })
            .collect(),
    );
    let start = Instant::now();
    let shared = Arc::new(StatusShared {
        rec: Mutex::new(StatusRecord::default()),
        window_start: start + opts.warmup,
        window_end: start + opts.warmup + opts.window,
    });
    let (ws, we) = (shared.window_start, shared.window_end);
    let meter = spawn_meter(target.pids.clone(), opts.db_pid, opts.bank_pid, ws, we);
    let per_replica: Arc<Vec<AtomicU64>> =
        Arc::new(bases.iter().map(|_| AtomicU64::new(0)).collect());
    let sem = Arc::new(tokio::sync::Semaphore::new(PACED_MAX_IN_FLIGHT));
    let mut tick = tokio::time::interval(STATUS_TICK);
    // The reads due are computed from the clock: a late tick issues all that came due meanwhile.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut reads = tokio::task::JoinSet::new();
    let rate = f64::from(rate);
    let (n_pool, n_replicas) = (pool.len(), bases.len().max(1));
    let mut issued: u64 = 0;
    let mut lags = Vec::new();
    loop {
        tick.tick().await;
        let now = Instant::now();
        if now >= we {
            break;
        }
        let due = (now.saturating_duration_since(start).as_secs_f64() * rate) as u64;
        while issued < due {
            let scheduled = start + Duration::from_secs_f64(issued as f64 / rate);
            let i = usize::try_from(issued).unwrap_or_default();
            issued += 1;
            let Ok(permit) = sem.clone().try_acquire_owned() else {
                shared.record(
                    Err(format!("not sent: {PACED_MAX_IN_FLIGHT} outstanding")),
                    Duration::ZERO,
                );
                continue;
            };
            if now >= ws {
                lags.push(now.saturating_duration_since(scheduled));
            }
            let replica = (i + i / n_pool) % n_replicas;
            if let Some(c) = per_replica.get(replica) {
                c.fetch_add(1, Ordering::Relaxed);
            }
            let (ctx, shared, pool) = (ctx.clone(), shared.clone(), pool.clone());
            reads.spawn(async move {
                let r = match pool.get(i % n_pool) {
                    Some((reg, urls)) => match urls.get(replica) {
                        Some(url) => status_read(&ctx.http, url, reg).await,
                        None => Err("no replica".to_string()),
                    },
                    None => Err("no registration".to_string()),
                };
                shared.record(r, now.elapsed());
                drop(permit);
            });
        }
        while reads.try_join_next().is_some() {}
    }
    while reads.join_next().await.is_some() {}
    let (before, after, rss_peak_kib, (db_rss_peak_kib, db_pss_peak_kib)) =
        meter.await.map_err(|e| e.to_string())?;
    let rec = std::mem::take(&mut *shared.rec.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(StatusMeasured {
        level,
        label: target.label.clone(),
        window: opts.window,
        pool: n_pool as u64,
        pool_failed,
        pool_time,
        rec,
        lags,
        before,
        after,
        rss_peak_kib,
        db_rss_peak_kib,
        db_pss_peak_kib,
        reads_per_replica: per_replica
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Report

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(f64::NAN)
}

struct Row {
    flows_per_s: f64,
    cpu_ms_per_flow: f64,
    flows_per_cpu_s: f64,
}

/// The machine's busy and total ticks between two snapshots.
fn machine_ticks_between(before: &Snapshot, after: &Snapshot) -> (u64, u64) {
    (
        after.machine.0.saturating_sub(before.machine.0),
        after.machine.1.saturating_sub(before.machine.1),
    )
}

/// How many failed, and "N kind, M kind" (or "0").
fn failures_by_kind(failed: &BTreeMap<String, u64>) -> (u64, String) {
    let n: u64 = failed.values().sum();
    let kinds = if n == 0 {
        "0".to_string()
    } else {
        failed
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (n, kinds)
}

fn row(m: &Measured, clk_tck: f64, has_bank: bool) -> (String, Row) {
    let ok = m.rec.samples.len() as f64;
    let secs = m.window.as_secs_f64();
    let mut flows: Vec<Duration> = m.rec.samples.iter().map(|s| s.0).collect();
    let mut cbs: Vec<Duration> = m.rec.samples.iter().map(|s| s.1).collect();
    flows.sort();
    cbs.sort();
    let ms = |ticks: u64| ticks as f64 * 1000.0 / clk_tck;
    let rp_ms = ms(m.after.rp.saturating_sub(m.before.rp));
    let bank_ms = ms(m.after.bank.saturating_sub(m.before.bank));
    let me_ms = ms(m.after.me.saturating_sub(m.before.me));
    let (busy, total) = machine_ticks_between(&m.before, &m.after);
    let per = |x: f64| if ok > 0.0 { x / ok } else { f64::NAN };
    let (_, failed_kinds) = failures_by_kind(&m.rec.failed_window);
    let r = Row {
        flows_per_s: ok / secs,
        cpu_ms_per_flow: per(rp_ms),
        flows_per_cpu_s: if rp_ms > 0.0 {
            ok / (rp_ms / 1000.0)
        } else {
            f64::NAN
        },
    };
    let bank = if has_bank {
        format!("{:.2}", per(bank_ms))
    } else {
        "-".to_string()
    };
    let line = format!(
        "| {} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.3} | {:.0} | {:.1} | {} | {} | {:.2} | {:.0} % |",
        m.level.label(),
        m.label,
        r.flows_per_s,
        pct(&flows, 0.5),
        pct(&flows, 0.9),
        pct(&flows, 0.99),
        pct(&cbs, 0.5),
        pct(&cbs, 0.9),
        pct(&cbs, 0.99),
        r.cpu_ms_per_flow,
        r.flows_per_cpu_s,
        m.rss_peak_kib as f64 / 1024.0,
        failed_kinds,
        bank,
        per(me_ms),
        if total > 0 {
            busy as f64 * 100.0 / total as f64
        } else {
            f64::NAN
        },
    );
    (line, r)
}

/// A status level's row of the status table.
fn status_row(m: &StatusMeasured, clk_tck: f64) -> String {
    let secs = m.window.as_secs_f64();
    let ok = m.rec.latencies.len() as f64;
    let mut lat = m.rec.latencies.clone();
    lat.sort();
    let mut lags = m.lags.clone();
    lags.sort();
    let ms = |ticks: u64| ticks as f64 * 1000.0 / clk_tck;
    let per_1000 = |x: f64| if ok > 0.0 { x * 1000.0 / ok } else { f64::NAN };
    let max = |v: &[Duration]| {
        v.last()
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    let (busy, total) = machine_ticks_between(&m.before, &m.after);
    let (_, failed_kinds) = failures_by_kind(&m.rec.failed_window);
    format!(
        "| {} | {} | {:.0} | {:.0} | {:.2} / {:.2} / {:.2} / {:.1} | {:.2} / {:.1} | {:.0} | {:.1} | {} | {:.0} | {:.0} % |",
        m.level.label(),
        m.label,
        ok / secs,
        m.lags.len() as f64 / secs,
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        max(&lat),
        pct(&lags, 0.99),
        max(&lags),
        per_1000(ms(m.after.rp.saturating_sub(m.before.rp))),
        m.rss_peak_kib as f64 / 1024.0,
        failed_kinds,
        per_1000(ms(m.after.me.saturating_sub(m.before.me))),
        if total > 0 {
            busy as f64 * 100.0 / total as f64
        } else {
            f64::NAN
        },
    )
}

/// The RP's CPU over the window by thread name, largest first.
fn thread_split(before: &Snapshot, after: &Snapshot) -> String {
    let mut d: Vec<(String, u64)> = after
        .threads
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.saturating_sub(before.threads.get(k).copied().unwrap_or(0)),
            )
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    let total: u64 = d.iter().map(|x| x.1).sum();
    d.sort_by_key(|x| std::cmp::Reverse(x.1));
    if total == 0 {
        return "-".to_string();
    }
    d.iter()
        .take(6)
        .map(|(k, v)| format!("{k} {:.0} %", *v as f64 * 100.0 / total as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replica i's name in the output: a, b, c, …
fn replica_name(i: usize) -> String {
    u8::try_from(i)
        .ok()
        .filter(|i| *i < 26)
        .map(|i| char::from(b'a' + i).to_string())
        .unwrap_or_else(|| format!("#{}", i + 1))
}

/// The accounts in the portal's database: `db` is its SQLite file, or a database URL
/// (`postgres://…`, `sqlite://…`) as in the portal's `database_url`.
async fn portal_accounts(db: &str) -> Result<i64, String> {
    let url = if db.contains("://") || db.starts_with("sqlite:") {
        db.to_string()
    } else {
        // A bare path: the file must exist (connecting would create an empty one).
        if !std::path::Path::new(db).is_file() {
            return Err(format!("no database file {db}"));
        }
        format!("sqlite://{db}")
    };
    let db = bankid_server::store::db::Db::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    db.read(|tx| tx.scalar::<i64>("SELECT count(*) FROM accounts", bankid_server::args![]))
        .await
        .map_err(|e: bankid_server::store::db::DbError| e.to_string())
}

fn reference_accounts(dir: &str, db: &str) -> Result<i64, String> {
    let out = std::process::Command::new("node")
        .arg(format!("{dir}/reference-rp.mjs"))
        .args(["--count", "--db", db])
        .output()
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| String::from_utf8_lossy(&out.stderr).into_owned())?;
    v["accounts"].as_i64().ok_or("no accounts".to_string())
}

async fn run(opts: Opts) -> Result<bool, String> {
    let http = Client::builder()
        .redirect(Policy::none())
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let ctx = Arc::new(Ctx {
        http,
        bank: opts.bank.clone(),
        next_phone: AtomicU64::new(u64::from(seed % 500_000_000)),
        next_flow: AtomicU64::new(0),
    });
    let mut all = Vec::new();
    let mut statuses = Vec::new();
    let mut reference_skipped = false;
    for &level in &opts.levels {
        for t in &opts.targets {
            if let Level::Status(rate) = level {
                if t.rp != Rp::Portal {
                    eprintln!(
                        "loadgen: {}: the {} has no status page: skipped",
                        level.label(),
                        t.label
                    );
                    reference_skipped = true;
                    continue;
                }
                eprintln!(
                    "loadgen: {} against the {}: a pool of {STATUS_POOL} registrations, then {:.0} s warm-up, {:.0} s measured",
                    level.label(),
                    t.label,
                    opts.warmup.as_secs_f64(),
                    opts.window.as_secs_f64()
                );
                statuses.push(run_status_level(ctx.clone(), &opts, t, rate).await?);
                continue;
            }
            eprintln!(
                "loadgen: {} against the {}: {:.0} s warm-up, {:.0} s measured",
                level.label(),
                t.label,
                opts.warmup.as_secs_f64(),
                opts.window.as_secs_f64()
            );
            all.push(run_level(ctx.clone(), &opts, t, level).await?);
        }
    }

    let has_bank = opts.bank_pid.is_some();
    let portal_target = opts.targets.iter().find(|t| t.rp == Rp::Portal);
    let mut rows = Vec::new();
    if !all.is_empty() {
        println!();
        println!(
            "Complete registrations, {:.0} s windows after {:.0} s warm-ups; bank `{}` in another process (non-interactive mode); {} CPU(s)",
            opts.window.as_secs_f64(),
            opts.warmup.as_secs_f64(),
            opts.bank,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
        );
        println!("A portal flow is start → bank → callback, then one status read for the outcome: its CPU is in the portal's figures, its time is not in the flow's latency. Paced levels start at most {PACED_MAX_IN_FLIGHT} flows at once.");
        if let Some(t) = portal_target.filter(|t| t.bases.len() > 1 || opts.db_pid.is_some()) {
            let n = t.bases.len();
            let replicas = t
                .bases
                .iter()
                .enumerate()
                .map(|(i, b)| format!("{} {b}", replica_name(i)))
                .collect::<Vec<_>>()
                .join(", ");
            let db = match opts.portal_db.as_deref() {
                Some(db) if db.starts_with("postgres") => "one PostgreSQL database",
                Some(_) => "one SQLite database",
                None => "one database",
            };
            println!("The portal (`{}`): {n} replica(s) ({replicas}) on {db}; request k of flow f goes to replica (f + k) mod {n} (k = 0 the start, 1 the callback, re-targeted from the bank's redirect, 2 the status read), the browser cookie sent with each.", t.label);
            println!("The portal's RP CPU is the sum over its replicas{}; its RSS peak is the peak of the replicas' VmRSS summed{}.",
                if opts.db_pid.is_some() { " plus the database server's processes (the postmaster, its live children and the children it reaped in the window)" } else { "" },
                if opts.db_pid.is_some() { " (the database server's memory is listed on its own below the table)" } else { "" });
        }
        println!();
        println!("| load | RP | flows/s | flow p50 / p90 / p99 ms | callback p50 / p90 / p99 ms | RP CPU ms/flow | flows per RP CPU-s | RSS peak MiB | failed flows (window) | bank CPU ms/flow | driver CPU ms/flow | machine busy |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for m in &all {
            let (line, r) = row(m, opts.clk_tck, has_bank);
            println!("{line}");
            rows.push((m.level.label(), m.rp, r));
        }
    }
    if !statuses.is_empty() {
        println!();
        println!(
            "Status reads (`GET /api/v1/registrations/{{id}}` with the cookie of the browser that started the registration, as the status page polls), {:.0} s windows after {:.0} s warm-ups; {} CPU(s). Issue 12's goal: p99 < 5 ms at 5,000 reads/s, RSS < 64 MiB.",
            opts.window.as_secs_f64(),
            opts.warmup.as_secs_f64(),
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
        );
        println!("First a pool of {STATUS_POOL} citizens registered through the portal flow (not measured), then reads at the level's rate, open-loop: every {} ms the reads whose time on an even schedule has come are issued, whether or not earlier ones answered (at most {PACED_MAX_IN_FLIGHT} outstanding; a read beyond that is not sent and counted as failed), round-robin over the pool{}. A read succeeds only with 200 and the body's registration_id and state being the registration's (pending_confirmation, as the flow left it). reads/s: successful reads completed in the window; sent/s: reads issued in it; read latency: from its issue to its body checked; send lag: how late after its schedule the driver issued a read.",
            STATUS_TICK.as_millis(),
            match portal_target.map(|t| t.bases.len()) {
                Some(n) if n > 1 => format!(", consecutive reads alternating over the {n} replicas (read i on replica (i + i / pool) mod {n}, so each registration is read on each replica in turn)"),
                _ => String::new(),
            },
        );
        if let Some(t) = portal_target.filter(|t| t.bases.len() > 1 || opts.db_pid.is_some()) {
            println!("The portal's RP CPU is the sum over its {} replica(s){}; its RSS peak the peak of the replicas' VmRSS summed.",
                t.bases.len(),
                if opts.db_pid.is_some() { " plus the database server's processes" } else { "" });
        }
        if reference_skipped {
            println!("The reference RP has no status page: not run at these levels.");
        }
        println!();
        println!("| load | RP | reads/s | sent/s | read p50 / p90 / p99 / max ms | send lag p99 / max ms | RP CPU ms per 1,000 reads | RSS peak MiB | failed reads (window) | driver CPU ms per 1,000 reads | machine busy |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for m in &statuses {
            println!("{}", status_row(m, opts.clk_tck));
        }
        println!();
        for m in &statuses {
            let failed: u64 = m.pool_failed.values().sum();
            let failed = if failed == 0 {
                "none failed".to_string()
            } else {
                let kinds = m
                    .pool_failed
                    .iter()
                    .map(|(k, v)| format!("{v} {k}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{failed} failed: {kinds}")
            };
            println!(
                "Pool of {}: {} citizens registered in {:.1} s ({failed}); {} reads succeeded and {} failed over the whole level (warm-up and drain included).",
                m.level.label(),
                m.pool,
                m.pool_time.as_secs_f64(),
                m.rec.ok_total,
                m.rec.failed_total
            );
        }
    }
    if opts.db_pid.is_some() {
        let mib = |k: Option<u64>| {
            k.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "-".to_string())
        };
        let peaks = all
            .iter()
            .filter(|m| m.rp == Rp::Portal)
            .map(|m| (m.level, m.db_rss_peak_kib, m.db_pss_peak_kib))
            .chain(
                statuses
                    .iter()
                    .map(|m| (m.level, m.db_rss_peak_kib, m.db_pss_peak_kib)),
            )
            .map(|(level, rss, pss)| {
                format!("{} {} VmRSS, {} PSS", level.label(), mib(rss), mib(pss))
            })
            .collect::<Vec<_>>()
            .join("; ");
        println!();
        println!("Database server memory peak in the portal's windows (the postmaster and its children, summed; VmRSS counts the shared buffers in every process that touched them, PSS shares them out, sampled once a second): {peaks}");
    }
    let portal = |l: &str| rows.iter().find(|r| r.0 == l && r.1 == Rp::Portal);
    let reference = |l: &str| rows.iter().find(|r| r.0 == l && r.1 == Rp::Reference);
    // Levels run against both RPs (not the status levels: portal only).
    let pairs: Vec<_> = opts
        .levels
        .iter()
        .filter_map(|l| {
            let l = l.label();
            Some((portal(&l)?, reference(&l)?, l))
        })
        .collect();
    if !pairs.is_empty() {
        println!();
        println!("| load | portal / reference: flows/s | portal / reference: flows per RP CPU-second | RP CPU ms/flow: portal, reference |");
        println!("|---|---|---|---|");
        for (p, r, l) in pairs {
            println!(
                "| {l} | {:.2} | {:.2} | {:.3}, {:.3} |",
                p.2.flows_per_s / r.2.flows_per_s,
                p.2.flows_per_cpu_s / r.2.flows_per_cpu_s,
                p.2.cpu_ms_per_flow,
                r.2.cpu_ms_per_flow
            );
        }
    }
    println!();
    println!("RP CPU by thread over each window:");
    for m in &all {
        println!(
            "- {} / {}: {}",
            m.level.label(),
            m.rp.name(),
            thread_split(&m.before, &m.after)
        );
    }
    for m in &statuses {
        println!(
            "- {} / {}: {}",
            m.level.label(),
            Rp::Portal.name(),
            thread_split(&m.before, &m.after)
        );
    }
    if portal_target.is_some_and(|t| t.bases.len() > 1) {
        println!();
        println!("Portal requests per replica (whole level, warm-up and drain included):");
        for m in all.iter().filter(|m| m.rp == Rp::Portal) {
            let per = m
                .requests
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let steps = c
                        .iter()
                        .zip(STEPS)
                        .map(|(n, s)| format!("{n} {s}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("{} {} ({steps})", replica_name(i), c.iter().sum::<u64>())
                })
                .collect::<Vec<_>>()
                .join("; ");
            println!("- {}: {per}", m.level.label());
        }
        for m in &statuses {
            let per = m
                .reads_per_replica
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{} {n}", replica_name(i)))
                .collect::<Vec<_>>()
                .join("; ");
            println!(
                "- {}: {per} status reads (its pool's registrations not counted)",
                m.level.label()
            );
        }
    }

    // Accounts written against successful flows (warm-ups and drains included; the status levels'
    // pools are portal flows too).
    println!();
    let mut ok = true;
    for t in &opts.targets {
        let pools = if t.rp == Rp::Portal {
            statuses.as_slice()
        } else {
            &[]
        };
        let succeeded: u64 = all
            .iter()
            .filter(|m| m.rp == t.rp)
            .map(|m| m.rec.ok_total)
            .chain(pools.iter().map(|m| m.pool))
            .sum();
        let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
        for (k, v) in all
            .iter()
            .filter(|m| m.rp == t.rp)
            .flat_map(|m| &m.rec.failed_total)
            .chain(pools.iter().flat_map(|m| &m.pool_failed))
        {
            *kinds.entry(k.as_str()).or_insert(0) += v;
        }
        let failed: u64 = kinds.values().sum();
        // With the kinds when there are any (warm-ups and drains are not in the table).
        let failed = if failed == 0 {
            "0".to_string()
        } else {
            let kinds = kinds
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{failed} ({kinds})")
        };
        let written = match t.rp {
            Rp::Portal => match &opts.portal_db {
                Some(db) => Some(portal_accounts(db).await),
                None => None,
            },
            Rp::Reference => match (&opts.reference_dir, &opts.reference_db) {
                (Some(dir), Some(db)) => Some(reference_accounts(dir, db)),
                _ => None,
            },
        };
        match written {
            Some(Ok(n)) => {
                let same = u64::try_from(n).ok() == Some(succeeded);
                ok &= same;
                println!(
                    "{}: {succeeded} successful flows, {failed} failed, {n} accounts written: {}",
                    t.rp.name(),
                    if same { "equal" } else { "MISMATCH" }
                );
            }
            Some(Err(e)) => {
                ok = false;
                println!("{}: cannot count accounts: {e}", t.rp.name());
            }
            None => println!(
                "{}: {succeeded} successful flows, {failed} failed (accounts not counted)",
                t.rp.name()
            ),
        }
    }
    Ok(ok)
}

#[tokio::main]
async fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(opts).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}
