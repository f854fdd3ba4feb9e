//! Tests that need a kernel this machine may not have (IPVS, VRF, ipvlan, or its own
//! initial network namespace): tests/vm/run.sh boots Debian's kernel under QEMU over this
//! machine's filesystem and runs a script of tests/vm there. This module finds what that
//! needs, makes the binary and the scripts visible to the VM (its /tmp is its own), and
//! says visibly why a test does not run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where files the VM must see are copied (outside /tmp).
const VISIBLE: &str = "/var/tmp/keepalived-rs-vm";

/// Tells apart the copies made by one test process (the VM tests run in parallel).
static COPIES: AtomicUsize = AtomicUsize::new(0);

fn copy_name(stem: &str) -> PathBuf {
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    Path::new(VISIBLE).join(format!("{stem}-{}-{n}", std::process::id()))
}

/// Says why `test` does not run, past the test harness's capture.
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
        .unwrap_or(false)
}

fn debian_kernel() -> bool {
    std::fs::read_dir("/boot")
        .map(|d| {
            d.flatten().any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("vmlinuz-") && n.ends_with("-amd64")
            })
        })
        .unwrap_or(false)
}

/// Why the VM cannot run here, if it cannot: QEMU, the Debian kernel, busybox-static, cpio,
/// or one of `files` (e.g. /usr/sbin/keepalived, /usr/sbin/ipvsadm) missing.
pub fn missing(files: &[&str]) -> Option<String> {
    if !on_path("qemu-system-x86_64") || !debian_kernel() {
        return Some("qemu-system-x86_64 / Debian kernel not installed (apt-get install qemu-system-x86 linux-image-amd64)".into());
    }
    if !Path::new("/bin/busybox").exists() || !on_path("cpio") {
        return Some("busybox-static / cpio not installed (they build the VM's initramfs)".into());
    }
    files
        .iter()
        .find(|f| !Path::new(f).exists())
        .map(|f| format!("{f} not installed"))
}

/// `path` where the VM sees it: itself, or a copy under /var/tmp (removed by [`Visible`]'s
/// drop) when it is under /tmp.
struct Visible {
    path: PathBuf,
    copy: bool,
}

impl Visible {
    fn file(path: &Path) -> Visible {
        if !path.starts_with("/tmp") {
            return Visible {
                path: path.to_path_buf(),
                copy: false,
            };
        }
        std::fs::create_dir_all(VISIBLE).expect("/var/tmp");
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let copy = copy_name(&name.unwrap_or_default());
        std::fs::copy(path, &copy).expect("copy for the VM");
        Visible {
            path: copy,
            copy: true,
        }
    }

    fn dir(dir: &Path) -> Visible {
        if !dir.starts_with("/tmp") {
            return Visible {
                path: dir.to_path_buf(),
                copy: false,
            };
        }
        let copy = copy_name("vm");
        std::fs::create_dir_all(&copy).expect("/var/tmp");
        for entry in std::fs::read_dir(dir).expect("tests/vm").flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy tests/vm");
            }
        }
        Visible {
            path: copy,
            copy: true,
        }
    }
}

impl Drop for Visible {
    fn drop(&mut self) {
        if self.copy {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// What a VM run printed.
#[derive(Debug)]
pub struct VmOutput {
    /// The script's exit status (2: the VM could not start).
    pub code: Option<i32>,
    /// Its standard output.
    pub text: String,
}

/// Runs `bash tests/vm/SCRIPT BINARY ARGS...` in the VM (`repo`: the repository root,
/// `binary`: ours), with at most `timeout_s` seconds for the whole VM.
pub fn run_script(
    repo: &Path,
    script: &str,
    binary: &Path,
    args: &[&str],
    timeout_s: u32,
) -> VmOutput {
    let vm = Visible::dir(&repo.join("tests/vm"));
    let bin = Visible::file(binary);
    let mut line = format!(
        "bash {} {}",
        vm.path.join(script).display(),
        bin.path.display()
    );
    for a in args {
        line.push(' ');
        line.push_str(a);
    }
    let out = Command::new("sh")
        .arg(vm.path.join("run.sh"))
        .arg(&line)
        .env("VM_TIMEOUT", timeout_s.to_string())
        .output()
        .expect("runs tests/vm/run.sh");
    VmOutput {
        code: out.status.code(),
        text: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// The "=== NAME" sections of a script's output: NAME -> the lines under it (trimmed at the
/// end). Log lines of daemons in the VM may reach its console too (no syslog there), so a
/// caller picks its lines out of a section.
pub fn sections(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::<String, Vec<String>>::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            let name = name.trim().to_owned();
            map.entry(name.clone()).or_default();
            cur = Some(name);
        } else if let Some(c) = &cur {
            map.entry(c.clone())
                .or_default()
                .push(line.trim_end().to_owned());
        }
    }
    map
}
