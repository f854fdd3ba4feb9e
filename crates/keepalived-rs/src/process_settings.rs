//! `vrrp_priority`, `vrrp_no_swap`, `vrrp_cpu_affinity`, `vrrp_rt_priority`,
//! `vrrp_rlimit_rttime` (and the `checker_*` ones): applied by each child to itself at start,
//! as keepalived does. A setting the kernel refuses is logged; the child carries on.

use keepalived_conf::model::ProcessSettings;
use keepalived_daemon::log;

/// keepalived's default `*_rlimit_rttime` (µs) when realtime scheduling is on.
const DEFAULT_RLIMIT_RTTIME: u64 = 10_000;

/// Applies `s` to the calling process.
pub fn apply(s: &ProcessSettings) {
    // keepalived's set_process_priorities: with realtime scheduling the nice value is not
    // set.
    if s.priority != 0 && s.rt_priority.is_none() {
        // SAFETY: setpriority on our own process (who = 0) with a plain integer.
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, s.priority) };
        if rc != 0 {
            log::info(format!(
                "Unable to set process priority to {}: {}",
                s.priority,
                std::io::Error::last_os_error()
            ));
        }
    }
    if !s.cpu_affinity.is_empty() {
        let mut set = nix::sched::CpuSet::new();
        for cpu in &s.cpu_affinity {
            let _ = set.set(*cpu as usize);
        }
        if let Err(e) = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set) {
            log::info(format!("Unable to set CPU affinity: {e}"));
        }
    }
    if let Some(prio) = s.rt_priority {
        let param = libc::sched_param {
            sched_priority: prio as i32,
        };
        // SAFETY: sched_setscheduler on our own process with a valid sched_param.
        let rc = unsafe {
            libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param)
        };
        if rc != 0 {
            log::info(format!(
                "Unable to set realtime priority {prio}: {}",
                std::io::Error::last_os_error()
            ));
        } else {
            // As keepalived, once realtime: a realtime process that spins is killed by the
            // kernel after RLIMIT_RTTIME (keepalived's soft limit is half, with a SIGXCPU
            // handler that logs; ours has no handler, so the soft limit is the hard one).
            let rttime = s.rlimit_rttime.map_or(DEFAULT_RLIMIT_RTTIME, u64::from);
            if let Err(e) = nix::sys::resource::setrlimit(
                nix::sys::resource::Resource::RLIMIT_RTTIME,
                rttime,
                rttime,
            ) {
                log::info(format!("Unable to set RLIMIT_RTTIME: {e}"));
            }
        }
    }
    if s.no_swap {
        use nix::sys::mman::{mlockall, MlockAllFlags};
        if let Err(e) = mlockall(MlockAllFlags::MCL_CURRENT | MlockAllFlags::MCL_FUTURE) {
            log::info(format!("Unable to lock memory: {e}"));
        }
    }
}

/// keepalived's set_process_name: prctl(PR_SET_NAME), which /proc/PID/comm and `ps` show
/// (at most 15 bytes, as keepalived truncates when reading the configuration). `None`
/// leaves the name alone.
pub fn set_process_name(name: Option<&str>) {
    let Some(name) = name else {
        return;
    };
    let Ok(c) = std::ffi::CString::new(name) else {
        return;
    };
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of which the kernel copies at most
    // 16 bytes; `c` outlives the call.
    if unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr()) } != 0 {
        log::info(format!("Failed to set process name '{name}'"));
    }
}
