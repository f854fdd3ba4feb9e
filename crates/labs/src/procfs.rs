//! What /proc shows of a process: the child settings keepalived applies (nice, realtime
//! scheduling, CPU affinity, locked memory, RLIMIT_RTTIME) and its name.

/// What /proc shows of process `pid`: comm, nice, rt_priority, policy, the CPUs it may run
/// on, whether memory is locked (VmLck not 0) and its RLIMIT_RTTIME hard limit (keepalived's
/// soft limit is half of it, with a SIGXCPU handler that logs; ours has no such handler and
/// sets the soft limit to the hard one: a deliberate difference, docs/process.md).
pub fn proc_view(pid: i32) -> Vec<String> {
    let read = |f: &str| std::fs::read_to_string(format!("/proc/{pid}/{f}")).unwrap_or_default();
    let stat = read("stat");
    let rest: Vec<String> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    // Field N of /proc/PID/stat is rest[N - 3].
    let field = |n: usize| rest.get(n - 3).cloned().unwrap_or_default();
    let status = read("status");
    let line = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let locked = line("VmLck:").split_whitespace().next() != Some("0");
    let rttime = read("limits")
        .lines()
        .find(|l| l.starts_with("Max realtime timeout"))
        .and_then(|l| l.split_whitespace().nth(4).map(str::to_owned))
        .unwrap_or_default();
    vec![
        // The binary's own name is keepalived-rs.
        format!(
            "comm {}",
            read("comm").trim().replace("keepalived-rs", "keepalived")
        ),
        format!("nice {}", field(19)),
        format!("rt_priority {}", field(40)),
        format!("policy {}", field(41)),
        format!("cpus {}", line("Cpus_allowed_list:")),
        format!("locked {locked}"),
        format!("rttime hard {rttime}"),
    ]
}
