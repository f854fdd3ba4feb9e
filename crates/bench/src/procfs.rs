//! Process trees, resident memory and CPU time from /proc.

use std::collections::HashMap;

/// The parent pid of every process now running.
fn parents() -> HashMap<i32, i32> {
    let mut map = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if let Some(fields) = stat_fields(pid) {
            if let Some(ppid) = fields.get(1).and_then(|f| f.parse().ok()) {
                map.insert(pid, ppid);
            }
        }
    }
    map
}

/// The fields of /proc/PID/stat after the command name: index 0 is the state (field 3 of
/// proc(5)), 1 the ppid, 11 utime, 12 stime.
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself hold spaces and parentheses.
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// `root` and all its descendants that are alive now (zombies excluded), root first.
pub fn tree(root: i32) -> Vec<i32> {
    if !alive(root) {
        return Vec::new();
    }
    let parents = parents();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        let mut kids: Vec<i32> = parents
            .iter()
            .filter(|(_, pp)| **pp == p)
            .map(|(c, _)| *c)
            .filter(|c| alive(*c))
            .collect();
        kids.sort_unstable();
        out.extend(kids);
        i += 1;
    }
    out
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|s| s != "Z" && s != "X"))
}

/// VmRSS of `pid` in KiB (0 when gone).
pub fn rss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The `name:` line of /proc/PID/smaps_rollup in KiB (Pss, Rss, Anonymous, Pss_Anon,
/// Pss_File, ...; 0 when gone).
pub fn smaps_kib(pid: i32, name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.strip_prefix(name).is_some_and(|r| r.starts_with(':')))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// utime + stime of `pid` in clock ticks (0 when gone).
pub fn cpu_ticks(pid: i32) -> u64 {
    stat_fields(pid)
        .map(|f| {
            let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            get(11) + get(12)
        })
        .unwrap_or(0)
}

/// Clock ticks per second (sysconf(_SC_CLK_TCK)).
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no memory effects.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Sends `signal` to every process in `pids`, ignoring the ones already gone.
pub fn signal_all(pids: &[i32], signal: libc::c_int) {
    for p in pids {
        // SAFETY: kill(2) with a pid read from /proc and a valid signal number.
        unsafe { libc::kill(*p, signal) };
    }
}
