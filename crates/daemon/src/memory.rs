//! Giving back what start-up needed and the steady state does not: the code and read-only
//! pages of the executable and its libraries that start-up touched (the configuration
//! parser, clap, set-up), and the heap freed after parsing. A supervising parent or an idle
//! VRRP child then weighs what it really uses, as keepalived's C does.
//!
//! The pages are file-backed and clean, so `MADV_DONTNEED` only drops them from this
//! process's page tables: they stay in the page cache and come back with a minor fault when
//! they run again. `MADV_PAGEOUT` (tried first) does nothing for pages that the parent and
//! the children both map, which is most of the binary. A mapping that holds anonymous
//! (copy-on-write) pages, such as RELRO after the dynamic linker relocated it, is left alone:
//! dropping those pages would bring back the file's unrelocated contents.

use std::io::BufRead;

/// A file-backed, never-writable mapping with no anonymous pages: (start, length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CleanMapping {
    start: usize,
    len: usize,
}

/// Reads `/proc/self/smaps`: the mappings that can be dropped and paged back in unchanged.
fn clean_file_mappings(smaps: impl BufRead) -> Vec<CleanMapping> {
    let mut out = Vec::new();
    // The mapping being read: its range, whether it qualifies so far.
    let mut current: Option<(CleanMapping, bool)> = None;
    let finish = |cur: Option<(CleanMapping, bool)>, out: &mut Vec<CleanMapping>| {
        if let Some((m, true)) = cur {
            out.push(m);
        }
    };
    for line in smaps.lines().map_while(Result::ok) {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else {
            continue;
        };
        if let Some((a, b)) = first.split_once('-').filter(|_| !first.ends_with(':')) {
            finish(current.take(), &mut out);
            let (Ok(start), Ok(end)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
            else {
                continue;
            };
            let perms = words.next().unwrap_or("");
            let path = words.nth(3).unwrap_or("");
            let ok = perms.starts_with('r') && !perms.contains('w') && path.starts_with('/');
            let m = CleanMapping {
                start,
                len: end.saturating_sub(start),
            };
            current = Some((m, ok));
        } else if first == "Anonymous:" {
            if let Some((_, ok)) = current.as_mut() {
                *ok &= words.next() == Some("0");
            }
        }
    }
    finish(current, &mut out);
    out
}

/// Releases start-up memory: resident clean file pages (paged back in on use) and free heap.
pub fn release_startup_memory() {
    let mappings = std::fs::File::open("/proc/self/smaps")
        .map(|f| clean_file_mappings(std::io::BufReader::new(f)))
        .unwrap_or_default();
    for m in mappings {
        // SAFETY: each range is a file-backed mapping that was never writable and holds no
        // anonymous page (checked in smaps just now; nothing makes such a mapping dirty
        // afterwards), so dropping its pages changes residency, never contents; a failure
        // is harmless.
        unsafe {
            libc::madvise(m.start as *mut libc::c_void, m.len, libc::MADV_PAGEOUT);
            libc::madvise(m.start as *mut libc::c_void, m.len, libc::MADV_DONTNEED);
        }
    }
    trim_heap();
}

/// Returns the heap's free pages to the kernel (glibc's `malloc_trim`).
pub fn trim_heap() {
    // SAFETY: glibc's malloc_trim only returns free memory to the kernel.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0a0000000-55d0a0100000 r--p 00000000 fd:01 123 /usr/sbin/keepalived-rs
Rss:                 100 kB
Anonymous:             0 kB
55d0a0100000-55d0a0400000 r-xp 00100000 fd:01 123 /usr/sbin/keepalived-rs
Anonymous:             0 kB
55d0a0400000-55d0a0410000 r--p 00400000 fd:01 123 /usr/sbin/keepalived-rs
Anonymous:            64 kB
55d0a0410000-55d0a0420000 rw-p 00410000 fd:01 123 /usr/sbin/keepalived-rs
Anonymous:            64 kB
55d0a1000000-55d0a1100000 rw-p 00000000 00:00 0 [heap]
Anonymous:          1024 kB
7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0 [vdso]
Anonymous:             0 kB
";

    #[test]
    fn only_clean_read_only_file_mappings_qualify() {
        let got = clean_file_mappings(SMAPS.as_bytes());
        assert_eq!(
            got,
            vec![
                CleanMapping {
                    start: 0x55d0a0000000,
                    len: 0x100000
                },
                CleanMapping {
                    start: 0x55d0a0100000,
                    len: 0x300000
                },
            ]
        );
    }

    #[test]
    fn finds_the_executable_and_survives_releasing_it() {
        let f = std::fs::File::open("/proc/self/smaps").expect("smaps");
        assert!(!clean_file_mappings(std::io::BufReader::new(f)).is_empty());
        release_startup_memory();
        // Still running, relocations intact: the pages come back on use.
        assert_eq!(format!("{}", 1 + 1), "2");
        let v: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        assert_eq!(v[42], "42");
    }
}
