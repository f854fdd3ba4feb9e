//! Giving back what start-up needed and the steady state does not: the code pages of the
//! configuration parser and set-up (file-backed, clean: the kernel drops them at once and
//! reads them again only if they run again), and the heap freed after parsing. A supervising
//! parent or an idle VRRP child then weighs what it really uses, as keepalived's C does.

use std::io::BufRead;

/// The mappings of this process's own executable: (start, length).
fn executable_mappings() -> Vec<(usize, usize)> {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return Vec::new();
    };
    let Ok(maps) = std::fs::File::open("/proc/self/maps") else {
        return Vec::new();
    };
    let exe = exe.to_string_lossy().into_owned();
    std::io::BufReader::new(maps)
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.ends_with(exe.as_str()))
        .filter_map(|l| {
            let range = l.split_whitespace().next()?;
            let (a, b) = range.split_once('-')?;
            let start = usize::from_str_radix(a, 16).ok()?;
            let end = usize::from_str_radix(b, 16).ok()?;
            // Only read-only or executable (never written, so clean) mappings.
            let perms = l.split_whitespace().nth(1)?;
            (!perms.contains('w')).then_some((start, end.saturating_sub(start)))
        })
        .collect()
}

/// Releases start-up memory: the executable's resident code and read-only pages (paged back
/// in on use) and free heap.
pub fn release_startup_memory() {
    for (start, len) in executable_mappings() {
        // SAFETY: MADV_PAGEOUT on clean file-backed mappings of our own executable only
        // changes residency, never contents; a failure (old kernel) is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_PAGEOUT);
        }
    }
    // SAFETY: glibc's malloc_trim only returns free memory to the kernel.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_executable_and_survives_releasing_it() {
        assert!(!super::executable_mappings().is_empty());
        super::release_startup_memory();
        // Still running: the pages come back on use.
        assert_eq!(format!("{}", 1 + 1), "2");
    }
}
