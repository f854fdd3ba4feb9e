//! The open-file limit the checkers need, raised as keepalived's checker raises it
//! (check_daemon.c `set_checker_max_fds`, lib/process.c `set_max_file_limit`): every
//! checker that opens a socket may hold one at a time, and at the usual soft limit of 1,024
//! a checker child with more real servers than that failed its `socket()` calls (EMFILE:
//! "TCP socket bind failed. Rescheduling.") once their checks overlapped. The scripts the
//! checkers run get the original limit back (keepalived's child processes do).

use std::sync::OnceLock;

use nix::sys::resource::{getrlimit, setrlimit, Resource};

use crate::log::Logger;

/// The limit found before the first raise: (soft, hard).
static ORIGINAL: OnceLock<(u64, u64)> = OnceLock::new();

/// keepalived's count: 17 descriptors of its own, one per checker using a socket, one per
/// `smtp_alert`, 10 spare.
pub fn required(sockets: usize, smtp_alerts: usize) -> u64 {
    (17 + sockets + smtp_alerts + 10) as u64
}

/// Raises RLIMIT_NOFILE (soft, and hard when needed) to `needed`, never lowers it below
/// the original; logs keepalived's line when the kernel refuses.
pub fn ensure(needed: u64, log: &Logger) {
    let Some(&(orig_soft, orig_hard)) = ORIGINAL.get().or_else(|| {
        let limits = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
        Some(ORIGINAL.get_or_init(|| limits))
    }) else {
        log.info("Failed to get original RLIMIT_NOFILE");
        return;
    };
    let Ok((cur_soft, _)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        log.info("Failed to get current RLIMIT_NOFILE");
        return;
    };
    if needed <= orig_soft && cur_soft == orig_soft {
        return;
    }
    let soft = orig_soft.max(needed);
    let hard = orig_hard.max(needed);
    if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, soft, hard) {
        log.info(format!(
            "Failed to set open file limit to {soft}:{hard} failed - errno {}",
            e as i32
        ));
    }
}

/// For a script's `pre_exec`: the original limit back, if it was raised. Only
/// async-signal-safe calls (setrlimit) once the value has been read.
pub fn original() -> Option<libc::rlimit> {
    let &(soft, hard) = ORIGINAL.get()?;
    Some(libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keepalived's formula, and a raise that keeps the original as the floor and is seen
    /// by getrlimit (the test process's own limit: harmless, and only ever raised).
    #[test]
    fn the_limit_is_raised_to_what_the_checkers_need() {
        assert_eq!(required(2000, 3), 2030);
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        let want = (soft + 100).min(hard);
        ensure(want, &Logger::new(|_| {}));
        let (now, _) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        assert!(now >= want, "{now} < {want}");
        assert_eq!(original().map(|r| r.rlim_cur), Some(soft));
        ensure(1, &Logger::new(|_| {}));
        assert!(getrlimit(Resource::RLIMIT_NOFILE).unwrap().0 >= soft);
    }
}
